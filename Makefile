# Entraide — the README's two commands: `make demo` and `make test`.
# The interpreter: Debian's own Python 3.11 where it is installed, the one production runs on
# (docs/operations.md, « Production guide »), else `python3`. Debian builds it with profile-guided
# and link-time optimisation: the suite takes a tenth less CPU than on a plain build such as
# pyenv's (docs/architecture.md, « December 7, late morning »).
PYTHON ?= $(firstword $(wildcard /usr/bin/python3.11) python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# A virtualenv made with another interpreter is made again (its pyvenv.cfg names the interpreter).
INTERPRETER := $(shell $(PYTHON) -c 'import os, sys; print(os.path.realpath(sys.executable))')
VENV_INTERPRETER := $(shell sed -n 's/^executable = //p' $(VENV)/pyvenv.cfg 2>/dev/null)
ifneq ($(VENV_INTERPRETER),$(INTERPRETER))
.PHONY: $(STAMP)
endif
MANAGE := DJANGO_DEBUG=true $(BIN)/python manage.py
# The browser tests drive Debian's `chromium-headless-shell`: the same engine as `chromium`
# without the browser's own interface; the journeys take about 40 % less CPU (docs/architecture.md,
# « Test suite times »).
CHROMIUM := /usr/lib/chromium/chromium-headless-shell
# The suite runs in parallel, one worker per core (pytest-xdist); a hung test fails after
# 15 minutes instead of holding CI. Every pytest run lists its 15 slowest tests at the end
# (`--durations=15` in pyproject.toml). `--dist worksteal`: a worker that runs out of tests
# takes half of the other's queue, so both end together (xdist's default hands out fixed
# chunks, and a chunk of browser journeys left one worker alone for the last 80 s); a database
# test that lands after a worker's transactional ones gets the migrated database back first,
# and the tests marked `long` start their group (tests/conftest.py).
PYTEST_WORKERS ?= auto
# Bytecode caches are written even where the environment sets PYTHONDONTWRITEBYTECODE (this
# one does), by every recipe: uv installs none, and without them each Django process of
# `make test` (compilemessages, the catalogue check, makemigrations, each pytest worker and the
# servers the tests start) compiles the same modules again, and every pytest process
# assertion-rewrites the tests and the pytest plugins again (docs/architecture.md).
unexport PYTHONDONTWRITEBYTECODE
PYTEST := DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal --timeout=900

.PHONY: install demo test test-fast pytest lint check-i18n messages e2e bench lock system-packages clean cluster-drill interpreter

# uv installs the locked set in seconds where pip takes over a minute on this machine (81 s, 70 s
# of it CPU, in a fresh clone: docs/architecture.md, « December 7, morning »). pip only brings uv
# in, at the version the lock file pins; uv leaves the bytecode to be written on first import.
$(STAMP): requirements.lock pyproject.toml
	test "$(VENV_INTERPRETER)" = "$(INTERPRETER)" || $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "$$(grep '^uv==' requirements.lock)"
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	touch $(STAMP)

# The compiled catalogues (committed beside their source) are rebuilt when a `.po` file is newer:
# compilemessages starts Django, about 1.3 s for every `make` command when run unconditionally.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))

install: $(STAMP) system-packages $(CATALOGUES)

%.mo: %.po | $(STAMP) system-packages
	$(MANAGE) compilemessages --ignore=.venv -v0

# The interpreter the virtualenv is made with (.ci/run makes sure it has `venv`).
interpreter:
	@echo $(PYTHON)

# Debian packages the project needs: gettext (translations) and Chromium's headless shell
# (browser tests).
system-packages:
	@command -v msgfmt >/dev/null && test -x $(CHROMIUM) || { \
		echo "Installing Debian packages: gettext chromium-headless-shell"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext chromium-headless-shell >/dev/null; }

demo: install
	# The cache table first: `migrate` writes, and each write replaces the pages' generation there.
	$(MANAGE) createcachetable
	$(MANAGE) migrate --noinput -v0
	# The demo activity would print every notification e-mail: drop them, keep the logins readable.
	# It builds the search index too, once the data is in.
	EMAIL_URL=dummymail:// $(MANAGE) load_demo
	@echo "Entraide : http://127.0.0.1:8000 — comptes de démonstration listés ci-dessus, mot de passe demo-entraide-2026"
	$(MANAGE) runserver 127.0.0.1:8000

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

check-i18n: install
	$(BIN)/python scripts/check_messages.py

# makemigrations runs the system checks first, as `manage.py check` does, and stops on an error.
test: install lint check-i18n
	$(MANAGE) makemigrations --check --dry-run -v1
	$(PYTEST)

# The suite alone (CI runs it again with DATABASE_URL=postgres://…).
pytest: install
	$(PYTEST)

# Quick feedback while working: the whole suite but the browser journeys (marker `e2e`).
test-fast: install
	$(PYTEST) -m "not e2e"

e2e: install
	$(PYTEST) tests/e2e

# Two gunicorn nodes behind HAProxy on engines of the drill's own (PostgreSQL, Redis, S3, SMTP),
# on loopback, stopped at the end: docs/operations.md, « Cluster drill ». Needs Debian's
# haproxy, redis-server and postgresql.
cluster-drill: $(STAMP)
	$(BIN)/python scripts/cluster_drill.py

# Regenerate the translation catalogues after changing user-facing strings.
messages: $(STAMP)
	$(MANAGE) makemessages -l en --no-location --no-obsolete --ignore=.venv --ignore=var -v0
	$(MANAGE) makemessages -l en -d djangojs --no-location --no-obsolete --ignore=.venv --ignore=var -v0
	$(MANAGE) compilemessages --ignore=.venv -v0

bench: install
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

lock:
	$(BIN)/pip freeze --exclude-editable | sed '1i # Exact versions tested together (pip freeze). Regenerate with: make lock' > requirements.lock

clean:
	rm -rf $(VENV) var
