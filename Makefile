# The two commands of the README: `make run` (main job, writes a report) and `make test`.
# Both run setup first; setup is idempotent and takes seconds the second time.
VENV := .venv
# The soak's seed: one schedule per night (today's date), replayed with `make soak SEED=...`.
SEED ?= $(shell date +%Y%m%d)

.PHONY: setup test run doctor nightly soak clean
setup:
	@scripts/bootstrap

test: setup
	@scripts/test

run: setup
	$(VENV)/bin/wschaos run scenarios/ --tag ci

# The scenarios at full length, then a 1h soak (6 minutes at the reference app's 0.1) even if
# a scenario failed, then the tests marked `nightly`; the exit status is non-zero if any failed.
nightly: setup
	@status=0; $(VENV)/bin/wschaos run scenarios/ --profile nightly || status=$$?; \
	$(VENV)/bin/wschaos soak --duration 1h --seed $(SEED) || status=$$?; \
	WSCHAOS_NIGHTLY=1 $(VENV)/bin/python -m pytest -m nightly -q || status=$$?; exit $$status

# Eight hours of app time (48 minutes at 0.1; add --time-scale 1 for a real night), see docs/soak.md.
soak: setup
	$(VENV)/bin/wschaos soak --duration 8h --seed $(SEED)

doctor: setup
	$(VENV)/bin/wschaos doctor

clean:
	rm -rf $(VENV) .tools reports/*/ .pytest_cache
