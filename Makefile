.PHONY: test demo lint bench bench-report bench-peer fuzz
test:
	./nq test
demo:
	./nq demo
lint:
	./nq lint
# BENCH_SIZES=100000,300000,1000000 make bench: the same workloads on a world of each size (the cost curve).
bench:
	BENCH_DB=$${BENCH_DB:-sqlite} BENCH_CASES=$${BENCH_CASES:-1000000} BENCH_SIZES=$${BENCH_SIZES:-$(BENCH_SIZES)} \
		./nq bench
# The cost-curve tables of both databases and the chart bench/README.md shows (BENCH_RUNS="--run ID --run ID").
bench-report:
	./nq bench report $(BENCH_RUNS) --svg bench/curve.svg
# django-helpdesk measured by its own harness (../shared/bench-peers/run.sh) from a private copy.
bench-peer:
	./nq bench peer
# schemathesis over the whole API for longer than the suite's ten examples an operation a persona; the
# figures (requests, statuses) land in var/fuzz.json.
fuzz:
	NUANQI_FUZZ_EXAMPLES=$${NUANQI_FUZZ_EXAMPLES:-100} NUANQI_FUZZ_REPORT=$${NUANQI_FUZZ_REPORT:-var/fuzz.json} \
		./nq test tests/fuzz -q
	cat $${NUANQI_FUZZ_REPORT:-var/fuzz.json}
