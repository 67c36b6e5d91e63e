# The README's two commands, `make demo` and `make test`, install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
APT_PACKAGES := chromium fonts-noto-cjk

.PHONY: .venv demo test browser lint clean

# The virtualenv is (re)installed only when pyproject.toml changes.
.venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -e '.[test]'
	touch $@

# Exit code 1 means "built, with quarantined rows", which the demo data has on purpose.
demo: $(STAMP)
	$(BIN)/gongkai build data --out site || [ $$? -eq 1 ]
	$(BIN)/gongkai serve site --host $(HOST) --port $(PORT)

# End-to-end tests drive Debian's Chromium and need a CJK font; `apt-get update` runs
# only when the install fails without it.
browser:
	@if [ -x /usr/bin/chromium ] && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then :; else \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y $(APT_PACKAGES) || { apt-get update && apt-get install -y $(APT_PACKAGES); }; \
	fi

# The import contracts first (pyproject.toml, [tool.importlinter]): a stage importing uphill
# fails here, with the offending chain. Then every test; each test file runs whole on one
# worker, so a module's built site is shared, not rebuilt.
test: $(STAMP) browser
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 --dist loadfile tests

lint: $(STAMP)
	@if [ -x $(BIN)/ruff ]; then $(BIN)/ruff check generator tests overrides benchmarks scripts; \
	elif command -v ruff >/dev/null; then ruff check generator tests overrides benchmarks scripts; \
	else echo "ruff 未安装，跳过 lint（pip install ruff）"; fi

clean:
	rm -rf site site_src/generated test-artifacts build .pytest_cache .hypothesis
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +
