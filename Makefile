# Two commands: `make demo` sets everything up and runs the main job; `make test` sets up and tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export HYPOTHESIS_PROFILE ?= ci
# Small matrices dominate here; BLAS threads only oversubscribe the cores (see docs/benchmarks.md).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

.PHONY: demo test lint setup graphviz clean

demo: $(VENV)/.installed graphviz
	$(VENV)/bin/gradsight tour --out out/tour

test: $(VENV)/.installed graphviz
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -n 2 --dist loadgroup

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

setup: $(VENV)/.installed graphviz

# Reinstall only when the package metadata changes (editable install: code edits need nothing).
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,viz]'
	touch $@

# System Graphviz (`dot`) renders the pictures: install it as root, or say how.
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing system Graphviz (dot) with apt-get..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  else \
	    echo "System Graphviz is missing. Install it, then rerun make:"; \
	    echo "    sudo apt-get install graphviz      (Debian/Ubuntu)"; \
	    echo "    brew install graphviz              (macOS)"; \
	    exit 1; \
	  fi; }

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
