# Logits to Loss: `make lab` to learn, `make test` to check everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LAB_FLAGS ?=
# Where `nbgrader collect` puts submissions, and where nbgrader looks for autograded/ and
# feedback/ (classroom/ holds the students' work and grades: never committed, never cleaned).
SUBMISSIONS ?= classroom/submitted
OUT ?= classroom/graded
JOBS ?=
PYTEST_ARGS ?=

.PHONY: setup lab test lint release site bench grade feedback report hub hub-deps system-deps torch clean

# The virtual environment, reinstalled whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[course,dev,hub,cluster]'
	touch $@

setup: $(STAMP)

# lab/jupyter: the learner's lab (no Create Assignment or formgrader; notebooks open unmodified).
# The root is notebooks/, so that every notebook is browsable; the lab opens 00_welcome in it.
lab: setup
	JUPYTER_CONFIG_PATH="$(CURDIR)/lab/jupyter:$${JUPYTER_CONFIG_PATH:-}" \
	  $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)/notebooks" \
	  "$(CURDIR)/notebooks/00_welcome/00_welcome.ipynb" $(LAB_FLAGS)

# Debian's Chromium for the browser tests (Playwright never downloads a browser) and
# bubblewrap, the sandbox every submission is graded in.
system-deps:
	@missing=""; [ -x /usr/bin/chromium ] || missing="chromium"; command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# PyTorch CPU build for the parity tests (optional for learners).
torch: setup
	@$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install --quiet 'torch==2.13.0'

# configurable-http-proxy from npm for JupyterHub (make hub and its browser test).
CHP := $(VENV)/node/node_modules/.bin/configurable-http-proxy
$(CHP):
	@command -v npm >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	npm install --prefix $(VENV)/node --no-audit --no-fund --loglevel=error configurable-http-proxy@5

# The single-user environment (the hub's image): the course package and the hub extra,
# installed (not editable) for a Python that every account may run, outside this checkout
# (`make hub` closes the checkout to the hub's accounts). HUB_PUBLIC is grader/tools/hub.py's PUBLIC.
HUB_PYTHON ?= /usr/bin/python3
HUB_PUBLIC := /srv/logits-to-loss
HUB_ENV := $(HUB_PUBLIC)/singleuser
$(HUB_ENV)/.installed: pyproject.toml hub/overrides.json $(shell find helpers -type f -name '*.py')
	test -x $(HUB_ENV)/bin/python || $(HUB_PYTHON) -m venv $(HUB_ENV)
	$(HUB_ENV)/bin/python -m pip install --quiet --upgrade pip
	$(HUB_ENV)/bin/python -m pip install --quiet '.[course,hub]'
	install -D -m 644 hub/overrides.json $(HUB_ENV)/share/jupyter/lab/settings/overrides.json
	touch $@

# setfacl (Debian's acl): `make hub` denies the hub's accounts this checkout with it.
SETFACL := /usr/bin/setfacl
$(SETFACL):
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq acl

# The hub needs root (Unix accounts); elsewhere only the proxy is installed.
ifeq ($(shell id -u),0)
hub-deps: setup $(CHP) $(HUB_ENV)/.installed $(SETFACL)
else
hub-deps: setup $(CHP)
	@echo "make hub-deps: the single-user environment ($(HUB_ENV)) is built as root only (sudo make hub-deps)"
endif

# The course on a local JupyterHub: an instructor and student Unix accounts (needs root).
HUB_FLAGS ?=
hub: hub-deps
	@echo "make hub: preparing the accounts, the instructor's course and the hub's state"
	$(BIN)/python -m grader.tools.hub $(HUB_FLAGS)

test: setup system-deps torch hub-deps lint site
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Lint and format check (configured in pyproject.toml).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Student notebooks from solutions/, then every assignment registered in the course gradebook.
release: setup
	$(BIN)/python -m grader build
	$(BIN)/python -m grader register

# The course as a static website in build/site (student notebooks executed, no answers).
site: setup
	$(BIN)/python -m grader site

bench: setup
	$(BIN)/python -m grader bench

grade: setup
	$(BIN)/python -m grader grade $(abspath $(SUBMISSIONS)) --output $(abspath $(OUT)) $(if $(JOBS),--jobs $(JOBS))

# Feedback pages for every graded submission, released to the students through the exchange.
feedback: setup
	$(BIN)/python -m grader release-feedback $(abspath $(OUT)) --submissions $(abspath $(SUBMISSIONS))

# The class report (scores, checks, misconceptions) of the graded submissions: OUT/report/index.html.
report: setup
	$(BIN)/python -m grader report $(abspath $(OUT))

clean:
	rm -rf build test-artifacts .pytest_cache
