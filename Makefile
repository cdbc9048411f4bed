# Two commands do everything on a fresh machine: `make groups` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= configs/default.yaml
STAMP := $(VENV)/.installed-stamp

.PHONY: groups test lint report push bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

groups: $(STAMP)  ## build the dataset (CONFIG=path, default configs/default.yaml)
	$(BIN)/groupbuild run --config $(CONFIG)

test: $(STAMP)  ## types, lint and the test suite, exactly as CI runs it
	$(BIN)/mypy
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

report: $(STAMP)  ## HTML report of the published dataset, in dist/report/
	$(BIN)/groupbuild report --config $(CONFIG)

push: $(STAMP)  ## publish to the Hub: make push REPO=org/name (token from HF_TOKEN)
	@test -n "$(REPO)" || (echo "usage: make push REPO=org/name" >&2; exit 2)
	$(BIN)/groupbuild publish --config $(CONFIG) --push-to-hub $(REPO)

bench: $(STAMP)  ## offline pipeline over GSM8K train (needs ../shared/data)
	$(BIN)/python bench/pipeline_bench.py

clean:
	rm -rf runs dist
