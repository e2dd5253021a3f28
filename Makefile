# Showcase: `make run` serves it, `make test` proves it. Both set up what they need first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= $(or $(SHOWCASE_HOST),127.0.0.1)
PORT ?= $(or $(SHOWCASE_PORT),8000)
WORKERS ?= $(or $(SHOWCASE_WORKERS),1)
DEBIAN_PACKAGES := chromium libharfbuzz-subset0 poppler-utils zbar-tools fonts-noto-cjk wrk fonts-hanazono fonts-babelstone-han default-jre-headless
# The PDF fallback for rare characters in names (𪚥): made from two of those packages, not committed.
RARE_FONTS := assets/fonts/rare/ShowcaseRareHan.ttf

.PHONY: run test test-sqlite test-postgres bench setup deps system-deps messages lock lint clean

$(BIN)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

deps: system-deps $(BIN)/.installed $(RARE_FONTS)

# Subsets of Hanazono Mincho B and BabelStone Han (CJK Extensions B–H), ~34 MB, made once
# (about a minute; see tools/make_fallbacks.py). Without them the PDFs still render,
# rare characters as boxes.
$(RARE_FONTS): tools/make_fallbacks.py | $(BIN)/.installed
	@if [ -f /usr/share/fonts/truetype/hanazono/HanaMinB.ttf ] && [ -f /usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf ]; then \
	  echo "Making the PDF fonts for rare characters (assets/fonts/rare/, about a minute)"; \
	  $(BIN)/python tools/make_fallbacks.py rare; \
	else echo "fonts-hanazono or fonts-babelstone-han missing: PDFs will show rare characters in names as boxes"; fi

# Debian packages the service and its tests use: installed when we are root on Debian and
# one is missing; otherwise say what is missing (the tests then fail where they need it).
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing) >/dev/null; \
	  else echo "Missing Debian packages:$$missing (install them as root)"; fi; \
	fi

setup: deps
	$(BIN)/python manage.py setup

run: setup
	@echo "Showcase is at http://$(HOST):$(PORT)/  (organisers: http://$(HOST):$(PORT)/organiser/)"
	SHOWCASE_HOST=$(HOST) SHOWCASE_PORT=$(PORT) $(BIN)/uvicorn app:create_app --factory --host $(HOST) --port $(PORT) --workers $(WORKERS) --no-access-log --timeout-graceful-shutdown 5

# The whole suite on the configured engine: SQLite by default, PostgreSQL when
# SHOWCASE_DATABASE_URL is set. Browser tests included.
test: deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-sqlite: deps
	env -u SHOWCASE_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: deps
	SHOWCASE_DATABASE_URL=$${SHOWCASE_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/showcase_test} $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: deps
	$(BIN)/python -m bench

# pip-audit over requirements.lock (needs pypi.org's JSON API; says so when unreachable).
audit: deps
	bash .ci/audit

messages: deps
	$(BIN)/pybabel extract -F babel.cfg -k lazy -k _ -k gettext -k ngettext:1,2 --no-location --omit-header \
	  --ignore-dirs=".venv tests var" -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales --no-fuzzy-matching

lock:
	$(BIN)/pip freeze --exclude-editable | sed '1i # Pinned by `make lock` (pip freeze of a working .venv). Install with: pip install -r requirements.lock' > requirements.lock

# The house rules (docs/architecture.md): style, format, imports between rooms, types.
lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m tools.house_rules
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache
