# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# the shared layer is on the path as Lambda puts a layer's python/ on it
export PYTHONPATH := $(CURDIR)/layers/shared/python
STAMP  := $(VENV)/.installed-$(shell cat requirements-dev.txt layers/dependencies/requirements.txt constraints.txt | cksum | cut -d' ' -f1)

.PHONY: setup run test bench lint check-template clean

setup: $(STAMP)

$(STAMP): requirements-dev.txt layers/dependencies/requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	rm -f $(VENV)/.installed-*
	touch $@

run: setup  ## start the local cloud: API, pages, demo data, sandbox providers
	$(BIN)/python -m infra.local.server

test: setup  ## every test, through the local cloud
	$(BIN)/python -m pytest

bench: setup  ## benchmarks: prints each figure and writes bench/results.json
	$(BIN)/python -m bench.run

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/cfn-lint --regions eu-west-1 -- template.yaml

clean:
	rm -rf $(VENV) .pytest_cache
