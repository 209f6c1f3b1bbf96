.PHONY: test demo lint bench fuzz
test:
	./nq test
demo:
	./nq demo
lint:
	./nq lint
bench:
	BENCH_DB=$${BENCH_DB:-sqlite} BENCH_CASES=$${BENCH_CASES:-1000000} ./nq bench
# schemathesis over the whole API for longer than the suite's ten examples an operation a persona; the
# figures (requests, statuses) land in var/fuzz.json.
fuzz:
	NUANQI_FUZZ_EXAMPLES=$${NUANQI_FUZZ_EXAMPLES:-100} NUANQI_FUZZ_REPORT=$${NUANQI_FUZZ_REPORT:-var/fuzz.json} \
		./nq test tests/fuzz -q
	cat $${NUANQI_FUZZ_REPORT:-var/fuzz.json}
