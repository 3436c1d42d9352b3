# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# the shared layer is on the path as Lambda puts a layer's python/ on it
export PYTHONPATH := $(CURDIR)/layers/shared/python
STAMP  := $(VENV)/.installed-$(shell cat requirements-dev.txt layers/dependencies/requirements.txt constraints.txt | cksum | cut -d' ' -f1)

# what the browser tests need: Debian's Chromium and its driver, and axe-core from npm
NODE_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json | cksum | cut -d' ' -f1)

.PHONY: setup browser run test bench lint deploy check-template clean

setup: $(STAMP)

browser: $(NODE_STAMP)
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -f node_modules/.installed-*
	touch $@

$(STAMP): requirements-dev.txt layers/dependencies/requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	rm -f $(VENV)/.installed-*
	touch $@

run: setup  ## start the local cloud: API, pages, demo data, sandbox providers
	$(BIN)/python -m infra.local.server

test: setup browser  ## every test, through the local cloud and in the browser
	$(BIN)/python -m pytest

bench: setup browser  ## benchmarks: prints each figure and writes bench/results.json
	$(BIN)/python -m bench.run

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/cfn-lint --regions eu-west-1 -- template.yaml

deploy: setup  ## build and deploy the stack (STAGE=dev|prod; the AWS SAM CLI and credentials), then publish the portal
	sam build && sam deploy --config-env $(if $(filter prod,$(STAGE)),prod,default)
	$(BIN)/python -m infra.deploy.portal --stack opencounter-$(or $(STAGE),dev)

clean:
	rm -rf $(VENV) .pytest_cache
