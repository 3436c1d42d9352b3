# The two commands a newcomer needs: `make run` and `make test`.
#
# Everything runs on the Lambda runtime's Python (template.yaml: python3.13 on arm64): `python3.13`
# on the PATH when it runs (a pyenv shim of a version that is not selected does not), else the newest
# 3.13 pyenv installed (`pyenv root`); PYTHON=/path/to/python3.13 chooses another. Environments are
# installed by uv from the locks, with hashes (docs/adr/0011-one-lock-for-the-runtime.md).
RUNTIME_PYTHON := 3.13
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell infra/build/find-python $(RUNTIME_PYTHON))
endif
VENV   := .venv
BIN    := $(VENV)/bin
TOOLS  := .tools
UV     := $(TOOLS)/uv/bin/uv
SAM    := $(TOOLS)/sam/bin/sam
# the shared layer is on the path as Lambda puts a layer's python/ on it
export PYTHONPATH := $(CURDIR)/layers/shared/python
# uv uses the Python found above and never fetches one of its own
export UV_PYTHON_DOWNLOADS := never
# an environment is reinstalled when its lock or the Python it runs on changes
PYTHON_ID  := $(shell [ -n "$(PYTHON)" ] && "$(PYTHON)" -c 'import sys; print(sys.executable, sys.version)' | cksum | cut -d' ' -f1)
lockstamp   = $(1)/.installed-$(shell cat $(2) | cksum | cut -d' ' -f1)-$(PYTHON_ID)
UV_STAMP   := $(call lockstamp,$(TOOLS)/uv,requirements-uv.txt)
STAMP      := $(call lockstamp,$(VENV),requirements-dev.txt)
SAM_STAMP  := $(call lockstamp,$(TOOLS)/sam,requirements-sam.txt)

# what the browser tests need: Debian's Chromium and its driver, and axe-core from npm
NODE_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json | cksum | cut -d' ' -f1)

.PHONY: python setup sam browser run test lock lock-check deploy-check build bench lint openapi deploy clean

python:
	@[ -n "$(PYTHON)" ] || { echo "Python $(RUNTIME_PYTHON) (the Lambda runtime's) was not found: put python$(RUNTIME_PYTHON) on the PATH (e.g. pyenv install $(RUNTIME_PYTHON)), or set PYTHON=/path/to/python$(RUNTIME_PYTHON)" >&2; exit 1; }
	@"$(PYTHON)" -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, "$(RUNTIME_PYTHON)".split("."))))' || { echo "$(PYTHON) is not Python $(RUNTIME_PYTHON), the Lambda runtime's" >&2; exit 1; }

setup: $(STAMP)

sam: $(SAM_STAMP)

# uv itself comes from PyPI with pip, checked against the hashes of requirements-uv.txt
$(UV_STAMP): requirements-uv.txt | python
	rm -rf $(TOOLS)/uv
	"$(PYTHON)" -m venv $(TOOLS)/uv
	$(TOOLS)/uv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --only-binary :all: -r requirements-uv.txt
	touch $@

$(STAMP): requirements-dev.txt $(UV_STAMP)
	rm -rf $(VENV)
	$(UV) venv --quiet --python "$(PYTHON)" $(VENV)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes requirements-dev.txt
	touch $@

# the AWS SAM CLI has an environment of its own: it pins boto3 and click to other versions than ours
$(SAM_STAMP): requirements-sam.txt $(UV_STAMP)
	rm -rf $(TOOLS)/sam
	$(UV) venv --quiet --python "$(PYTHON)" $(TOOLS)/sam
	$(UV) pip sync --quiet --python $(TOOLS)/sam/bin/python --require-hashes requirements-sam.txt
	touch $@

browser: $(NODE_STAMP)
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -f node_modules/.installed-*
	touch $@

run: setup  ## start the local cloud: API, pages, demo data, sandbox providers
	$(BIN)/python -m infra.local.server

test: setup sam browser  ## every check: the locks are current, the stack builds for AWS, every test through the local cloud and in the browser
	@failed=; \
	$(MAKE) --no-print-directory lock-check || failed="$$failed lock-check"; \
	$(MAKE) --no-print-directory deploy-check || failed="$$failed deploy-check"; \
	$(BIN)/python -m pytest || failed="$$failed pytest"; \
	if [ -n "$$failed" ]; then echo "make test failed:$$failed" >&2; exit 1; fi

lock: $(UV_STAMP)  ## resolve the pins (*.in) into the locks (*.txt), keeping every locked version the pins still allow
	"$(PYTHON)" -m infra.build.locks --uv $(UV) write

lock-check: $(UV_STAMP)  ## each lock is what `make lock` makes of its pins
	"$(PYTHON)" -m infra.build.locks --uv $(UV) check

deploy-check: setup sam  ## sam validate --lint, cfn-lint's serverless rules, sam build for python3.13 on arm64, every handler imported from the build
	$(BIN)/python -m infra.build.deploy_check --sam $(SAM) --uv $(UV) --python "$(PYTHON)"

build: setup sam  ## sam build for python3.13 on arm64 (.aws-sam/build), the dependencies layer from its lock
	$(BIN)/python -m infra.build.sam --sam $(SAM) build

bench: setup sam browser  ## benchmarks: prints each figure and writes bench/results.json (the last: make deploy-check)
	$(BIN)/python -m bench.run

.PHONY: cost
cost: setup  ## the bill: each flow's AWS operations counted in a local cloud, a month of 1000 customers priced (docs/cost.md)
	$(BIN)/python -m bench.cost

.PHONY: load
load: setup  ## a load test: 50 customers and applicants at once for 60 s on a local cloud of its own (bench/load.py)
	$(BIN)/python -m bench.load

openapi: setup  ## write docs/openapi.json, the API's contract, from template.yaml, the schemas and infra/openapi/routes.py
	$(BIN)/python -m infra.openapi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/cfn-lint --regions eu-west-1 -- template.yaml

# DEPLOY_FLAGS go to sam deploy: --guided the first time and to change a parameter (docs/deploy.md)
deploy: build  ## deploy the stack (STAGE=dev|prod; AWS credentials and region), then publish the portal
	$(SAM) deploy --config-env $(if $(filter prod,$(STAGE)),prod,default) --no-fail-on-empty-changeset $(DEPLOY_FLAGS)
	$(BIN)/python -m infra.deploy.portal --stack opencounter-$(or $(STAGE),dev)

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .aws-sam
