# The two commands README promises on a fresh machine:
#   make run    set up, then start the web chat on the demo catalogs with the local model
#   make test   set up, then run the whole test suite
TEST_MODEL ?= qwen2.5-coder-0.5b

.PHONY: run test setup bench
run:
	scripts/setup.sh
	.venv/bin/python app.py

test:
	scripts/system-packages.sh
	scripts/setup.sh $(TEST_MODEL)
	CHATREC_TEST_MODEL=$(TEST_MODEL) .venv/bin/python -m pytest

setup:
	scripts/setup.sh

bench:
	scripts/setup.sh
	.venv/bin/python bench/ingest.py
