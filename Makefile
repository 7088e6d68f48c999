# Inside Flask — the two commands: `make run` and `make test`.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run serve assets playground-assets playground-runtime test lint format translations translations-update content-check bench clean help

help:
	@echo "make run    - install, migrate, load content and serve on http://$(HOST):$(PORT)"
	@echo "make test   - install dev tools, start throwaway services, run ruff and pytest"
	@echo "make serve  - the production topology on loopback: nginx + HTTP pool + websocket pool"
	@echo "make bench  - side-by-side benchmark of the hot pages (see bench/README.md)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

# Compile the message catalogs (app/translations/<lang>/LC_MESSAGES/messages.po).
translations: $(VENV)/.runtime
	@if ls app/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel -q compile -d app/translations; fi

# Re-extract the strings of the code and templates, and merge them into every catalog.
translations-update: $(VENV)/.runtime
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --sort-by-file \
		--project "Inside Flask" -o app/translations/messages.pot .
	$(BIN)/pybabel -q update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

# Precompressed .gz/.br copies of the static files, served by nginx (git-ignored output).
assets: $(VENV)/.runtime
	$(PY) deploy/build_assets.py

# The playground's in-browser Python runtime, pinned and hash-checked (git-ignored output).
playground-assets: | $(PY)
	$(PY) scripts/playground_assets.py

# The same, for `make run`: without a network the site still serves, the playground says so.
playground-runtime: | $(PY)
	-$(PY) scripts/playground_assets.py

run: $(VENV)/.runtime translations playground-runtime assets
	$(PY) manage.py init
	@echo ""
	@echo "  Inside Flask is being served on http://$(HOST):$(PORT)  (Ctrl+C stops it)"
	@echo ""
	$(PY) manage.py run --host $(HOST) --port $(PORT) --debug

# nginx in front of gunicorn.conf.py's two pools, as in production (deploy/serve.py).
serve: $(VENV)/.runtime translations assets
	$(PY) deploy/serve.py

test: $(VENV)/.dev translations playground-assets assets
	bash scripts/test.sh

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

content-check: $(VENV)/.runtime
	$(PY) manage.py content check

bench: $(VENV)/.dev translations assets
	bash scripts/test.sh --bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
