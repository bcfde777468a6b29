# The README's two commands: `make lab` and `make test`. Every install step
# lives here so a fresh clone on a fresh machine needs nothing else.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PIP_INSTALL := $(PIP) install --quiet --constraint constraints.txt
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
BUNDLE := dlwidgets/static/network_view.js
JS_SOURCES := $(shell find js/src -type f) js/build.mjs
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT ?= 8888
LAB_ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: lab test install build lint test-py test-js bench clean

install: $(PY_STAMP) $(NPM_STAMP)

build: $(BUNDLE)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(BUNDLE): $(NPM_STAMP) $(JS_SOURCES)
	npm run build

# Constraints pin torch to the CPU wheel 2.13.0: nothing can pull a CUDA build.
$(PY_STAMP): pyproject.toml constraints.txt | $(BUNDLE)
	python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP_INSTALL) hatchling hatch-jupyter-builder hatch-nodejs-version
	$(PIP_INSTALL) --no-build-isolation --editable ".[dev]"
	touch $@

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

lab: install $(BUNDLE)
	$(VENV)/bin/jupyter lab --no-browser $(LAB_ROOT_FLAG) \
	  --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) --ServerApp.root_dir=notebooks

lint: install
	$(VENV)/bin/ruff check dlwidgets tests benchmarks
	$(VENV)/bin/ruff format --check dlwidgets tests benchmarks
	npx tsc --noEmit -p tsconfig.json

test-js: $(NPM_STAMP)
	npx vitest run

test-py: install $(BUNDLE) $(CHROMIUM)
	$(PY) -m pytest

test: lint test-js test-py

bench: install $(BUNDLE) $(CHROMIUM)
	$(PY) benchmarks/transport.py
	$(PY) benchmarks/capture.py
	$(PY) benchmarks/render.py
	$(PY) benchmarks/cnn_payload.py
	$(PY) benchmarks/playground.py

clean:
	rm -rf $(VENV) node_modules dlwidgets/static artifacts
