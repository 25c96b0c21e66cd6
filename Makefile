# The two commands of the README: `make run` and `make test`.
.PHONY: run test lint bootstrap train

run:
	scripts/run.sh

test:
	scripts/test.sh

lint:
	scripts/lint.sh

bootstrap:
	scripts/bootstrap.sh

train: bootstrap
	.venv/bin/python scripts/train.py
