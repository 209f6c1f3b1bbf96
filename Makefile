.PHONY: test demo lint bench
test:
	./nq test
demo:
	./nq demo
lint:
	./nq lint
bench:
	./nq bench
