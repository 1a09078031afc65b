# The two commands of the README: `make run` (main job, writes a report) and `make test`.
# Both run setup first; setup is idempotent and takes seconds the second time.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup test test-fast run doctor nightly clean
setup:
	@scripts/bootstrap

test: setup
	@scripts/test

run: setup
	$(VENV)/bin/wschaos run scenarios/ --tag ci

nightly: setup
	$(VENV)/bin/wschaos run scenarios/ --profile nightly

doctor: setup
	$(VENV)/bin/wschaos doctor

clean:
	rm -rf $(VENV) .tools reports/*/ .pytest_cache
