# Logits to Loss: `make lab` to learn, `make test` to check everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LAB_FLAGS ?=
SUBMISSIONS ?= submitted
OUT ?= graded
JOBS ?=
PYTEST_ARGS ?=

.PHONY: setup lab test release bench grade system-deps torch clean

# The virtual environment, reinstalled whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(STAMP)

lab: setup
	$(BIN)/jupyter lab notebooks/00_welcome/00_welcome.ipynb $(LAB_FLAGS)

# Debian's Chromium for the browser tests (Playwright never downloads a browser).
system-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

# PyTorch CPU build for the parity tests (optional for learners).
torch: setup
	@$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install --quiet 'torch==2.13.0'

test: setup system-deps torch
	$(BIN)/python -m pytest $(PYTEST_ARGS)

release: setup
	$(BIN)/python -m grader build

bench: setup
	$(BIN)/python -m grader bench

grade: setup
	$(BIN)/python -m grader grade $(SUBMISSIONS) --output $(OUT) $(if $(JOBS),--jobs $(JOBS))

clean:
	rm -rf build test-artifacts .pytest_cache
