# Two entry points, each doing all set-up from a fresh clone (only python3 and make needed):
#   make verify   set up, then run the main job on built-in defaults
#   make test     set up, then lint and run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: verify test lint readme certify-docs bench clean sandbox

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory sandbox
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,pep,course,grade,data]'
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

# The grader isolates each submission in Linux namespaces with bubblewrap, and filters its system calls with
# libseccomp (grading/isolation.py). Installed here from Debian's packages when missing and run as root;
# elsewhere the command to run is printed and `ratecheck grade` refuses until it is there (or --weak-sandbox).
sandbox:
	@if command -v bwrap >/dev/null 2>&1 && ldconfig -p 2>/dev/null | grep -q libseccomp.so.2; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing bubblewrap and libseccomp2 (Debian packages) for the grading sandbox"; \
	  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap libseccomp2 >/dev/null; \
	else echo "note: the grading sandbox needs bubblewrap and libseccomp2: sudo apt-get install bubblewrap libseccomp2"; fi

clean:
	rm -rf $(VENV) build *.egg-info
