# Tero Termibotti and Paavo Palvelubotti.
# The two commands of the README:   make run   and   make test
# Everything else is a step of those two, or a tool for editors and operators.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.10 (Rasa 3.6 needs it): $PYTHON310, else pyenv's, else python3.10 on PATH.
PYTHON310 ?= $(firstword $(wildcard $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions/3.10.*/bin/python) \
                         $(shell command -v python3.10 2>/dev/null))
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat uv.lock pyproject.toml | sha256sum | cut -c1-12)
# npm packages (package-lock.json): the widget's Socket.IO client, and for the
# tests axe-core and playwright-core (drives the system Chromium).
NODE_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json | sha256sum | cut -c1-12)
WIDGET_VENDOR := web/static/vendor/socket.io.min.js
# checkov, the static check of deploy/kubernetes, in its own venv (scripts/k8s_check.py).
CHECKOV_STAMP := .venv-checkov/.installed-$(shell sha256sum security/checkov-requirements.txt | cut -c1-12)

# Another life event: `make run LIFE_EVENT=tyottomaksi` uses lifeevents/tyottomaksi/ with
# its own generated project files, models and databases under var/tyottomaksi/ and its
# dev sets in tests/eval/lifeevents/tyottomaksi/ (docs/new-life-event.md).
ifdef LIFE_EVENT
export STUDYBOTS_CATALOGUE_DIR := $(CURDIR)/lifeevents/$(LIFE_EVENT)
export STUDYBOTS_VAR_DIR := $(CURDIR)/var/$(LIFE_EVENT)
export STUDYBOTS_PROJECT_DIR := $(CURDIR)/var/$(LIFE_EVENT)/project
export STUDYBOTS_EVAL_DIR := $(CURDIR)/tests/eval/lifeevents/$(LIFE_EVENT)
endif

export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 3
export OMP_NUM_THREADS ?= 1

.PHONY: help install k8s-check validate generate build train publish retrain run test test-fast lint types audit data-validate eval bench bench-chaos bench-soak bench-ptv bench-search tune review report sample-log ptv-import log-retention console-admin clean

# The console shows what the commands print, not the commands themselves.
.SILENT: validate generate build train publish retrain run eval review report sample-log \
         ptv-import log-retention console-admin lint types test test-fast

help:
	@echo "make run        install, validate, build, train if needed, start both bots + the chat widget demo page"
	@echo "make test       install and run the whole test suite"
	@echo "make validate   check every catalogue table (file, row, column of each error)"
	@echo "make generate   regenerate data/nlu and the bots' generated domain/rules"
	@echo "make train      train the bots whose inputs changed (no evaluation gate)"
	@echo "make publish    retrain what changed, evaluate, publish into the running bots"
	@echo "make retrain    the same for every bot, from scratch"
	@echo "make eval       accuracy on the held-out dev sets"
	@echo "make bench      training time, latency, throughput, memory and faults under load"
	@echo "make bench-chaos  faults under load only; make bench-soak  30 minutes at 10 messages/s"
	@echo "make review     questions the bots did not handle well (ARGS=\"--csv inbox.csv\")"
	@echo "make report     what students ask: HTML page + CSVs (ARGS=\"--from 2026-09-01 --to 2026-11-30\")"
	@echo "make sample-log a made-up question log for demos (var/sample-log.db)"
	@echo "make k8s-check  checkov over deploy/kubernetes (security/checkov-skip.txt)"
	@echo "make audit      known vulnerabilities of the locked dependencies (security/pip-audit-ignore.txt)"
	@echo "make ptv-import import PTV services (ARGS=\"--files catalogue/ptv/v11\" or \"--municipality 853\")"
	@echo "make console-admin NAME=...  the first admin of the editors' console (asks the password)"

install: $(STAMP) $(NODE_STAMP) $(WIDGET_VENDOR) $(CHECKOV_STAMP)
	@scripts/install_system_packages.sh

# checkov from PyPI, with hashes, into .venv-checkov (not uv.lock: see security/checkov.in).
$(CHECKOV_STAMP): security/checkov-requirements.txt $(STAMP)
	UV="$(PYTHON310) -m uv" $(PY) scripts/k8s_check.py --install-only

# The Kubernetes manifests against checkov's checks (exceptions: security/checkov-skip.txt).
# tests/integration/test_k8s_check.py runs it in make test.
k8s-check: install
	UV="$(PYTHON310) -m uv" $(PY) scripts/k8s_check.py

$(NODE_STAMP): package.json package-lock.json
	@scripts/install_system_packages.sh
	@command -v npm >/dev/null || { echo "npm not found: install Node.js and npm (e.g. sudo apt-get install npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@rm -f node_modules/.installed-*
	@touch $@

# The page serves the Socket.IO client from here; nothing comes from a CDN.
$(WIDGET_VENDOR): $(NODE_STAMP)
	@mkdir -p $(@D)
	cp node_modules/socket.io-client/dist/socket.io.min.js $@

$(STAMP): uv.lock pyproject.toml
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found: install it or set PYTHON310=/path/to/python3.10" >&2; exit 1; }
	@$(PYTHON310) -m uv --version >/dev/null 2>&1 || $(PYTHON310) -m pip install --quiet --disable-pip-version-check uv
	$(PYTHON310) -m uv sync --frozen --python $(PYTHON310)
	@rm -f $(VENV)/.installed-*
	@touch $@

validate: install
	$(PY) -m studybots.catalogue

generate: validate
	$(PY) -m studybots.build.nlu

build: validate
	$(PY) -m studybots.build.servicedb

train: generate
	$(PY) -m studybots.training.train

# Bring editors' changes into the running bots: regenerate, train what changed,
# evaluate against the running model (refuses a >2-point regression unless
# ARGS=--force), publish; the running bots switch over without a restart.
publish: install
	$(PY) -m studybots.training.publish $(ARGS)

# The same from scratch: training cache cleared, every bot retrained.
retrain: install
	$(PY) -m studybots.training.publish --from-scratch $(ARGS)

run: install
	$(PY) -m studybots.ops.run

data-validate: generate
	$(PY) -m rasa data validate --fail-on-warnings --config config.yml --domain bots/tero/domain --data data/nlu/common.yml data/nlu/tero bots/tero/rules
	$(PY) -m rasa data validate --fail-on-warnings --config config.yml --domain bots/paavo/domain --data data/nlu/common.yml data/nlu/paavo bots/paavo/rules

# The dependency audit (marker `audit`) is not part of it: it needs PyPI's
# per-version JSON API or osv.dev, which these machines cannot reach (make audit).
# Both cores: the bots trained once, then two pytest processes side by side
# (scripts/test_suite.py says which tests each runs).
test: install lint types
	$(PY) scripts/test_suite.py -m "not audit"

# Unit tests only (tests/unit): no training, no servers, no network; under a minute.
test-fast: install
	$(PY) -m pytest tests/unit -q -m "not audit"

# ruff: the formatter's output is committed, and the linter finds nothing.
lint: install
	$(VENV)/bin/ruff format --check --quiet .
	$(VENV)/bin/ruff check --quiet .

# mypy: strict for studybots.core and the stores, checked for the rest (pyproject.toml).
types: install
	$(VENV)/bin/mypy

# Known vulnerabilities of every locked package (pip-audit, from its own venv
# .venv-audit); exceptions with reasons in security/pip-audit-ignore.txt.
# tests/unit/test_audit.py runs it under the marker `audit` (not in make test: see above).
audit: install
	UV="$(PYTHON310) -m uv" $(PY) scripts/audit.py

eval: train build
	$(PY) -m studybots.training.evaluate --errors 20

bench: train build
	$(PY) scripts/bench.py

# PTV services into the service database (see README, "Importing PTV services").
ptv-import: install
	$(PY) -m studybots.ptv import $(or $(ARGS),--files catalogue/ptv/v11)

# Only the chaos part of make bench: faults under load through the supervisor,
# both profiles (ARGS="--profile production --users 50 --seconds 120").
bench-chaos: train build
	$(PY) scripts/bench_chaos.py $(ARGS)

# 30 minutes at 10 messages/s: memory growth and error lines (ARGS="--minutes 5").
bench-soak: train build
	$(PY) scripts/bench_soak.py $(ARGS)

# Only the PTV import part of make bench: 30,000 services, no training needed.
bench-ptv: install
	$(PY) scripts/bench_ptv_import.py $(ARGS)

# Only the search part of make bench: Paavo's ranking over 30,000 services.
bench-search: build
	$(PY) scripts/bench_search.py $(ARGS)

# Paavo's ranking configurations on the dev set: recall@3 and MRR of each.
tune: train build
	$(PY) -m studybots.training.tune $(ARGS)

# The editors' inbox: unrecognised, unsure and 👎 questions (ARGS="--csv inbox.csv").
review: install
	$(PY) -m studybots.review $(ARGS)

# What students ask, privacy-safe, for the city and the student network: an HTML
# page and CSV files in var/report (ARGS="--from 2026-09-01 --to 2026-11-30 --out DIR --url URL").
report: install
	$(PY) -m studybots.report $(ARGS)

# A made-up question log for demos and trying the report: var/sample-log.db.
sample-log: install
	$(PY) -m studybots.report.sample $(ARGS)

# An admin of the editors' console (http://localhost:8080/toimitus/ under make run):
# the password is asked at the prompt, never given on the command line.
console-admin: install
	@test -n "$(NAME)" || { echo 'make console-admin NAME=account-name' >&2; exit 1; }
	$(PY) -m studybots.console create-admin "$(NAME)"

# Delete question-log rows older than STUDYBOTS_LOG_RETENTION_DAYS (default 365).
log-retention: install
	$(PY) -m studybots.questionlog.retention

clean:
	rm -rf var results .pytest_cache node_modules web/static/vendor
