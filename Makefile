# Two entry points, each doing all set-up from a fresh clone (only python3 and make needed):
#   make verify   set up, then run the main job on built-in defaults
#   make test     set up, then lint and run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: verify test lint readme certify-docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,pep,course,grade]'
	touch $(STAMP)

verify: $(STAMP)
	$(BIN)/ratecheck verify

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not slow"  # 2 workers; a file stays on one worker

readme: $(STAMP)
	$(BIN)/python -m ratecheck.theory.catalogue --update-readme README.md

# The full PEPit certification table with timings (a few minutes).
certify-docs: $(STAMP)
	$(BIN)/python -m ratecheck.theory.pep --write docs/certification.md

bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks -q -s

clean:
	rm -rf $(VENV) build *.egg-info
