.PHONY: test demo lint bench
test:
	./nq test
demo:
	./nq demo
lint:
	./nq lint
bench:
	BENCH_DB=$${BENCH_DB:-sqlite} BENCH_CASES=$${BENCH_CASES:-1000000} ./nq bench
