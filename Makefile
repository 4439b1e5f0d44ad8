# Two commands: `make demo` sets everything up and runs the main job; `make test` sets up and tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export HYPOTHESIS_PROFILE ?= ci
# Small matrices dominate here; BLAS threads only oversubscribe the cores (see docs/benchmarks.md).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
# the compiled core's module (autograd/_core.c built for this Python; docs/design.md, "The compiled core")
CORE := autograd/_core$(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')

.PHONY: demo test lint setup graphviz chromium notebooks clean

demo: $(VENV)/.installed $(CORE) graphviz
	$(VENV)/bin/gradsight tour --out out/tour

# the suite executes every notebook (tests/test_notebooks.py) and loads the tour page in Chromium; it runs
# on the compiled core, then the engine's own tests run again on the Python engine it translates
ENGINE_TESTS := tests/test_engine.py tests/test_apply_paths.py tests/test_compiled_core.py tests/test_versions.py \
	tests/test_inplace.py tests/test_random_graphs.py tests/test_collector_pause.py tests/test_mistakes.py \
	tests/test_fusion.py tests/test_ops_edges.py tests/test_nn_training.py
test: $(VENV)/.installed $(CORE) graphviz chromium
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -n 2 --dist loadgroup
	GRADSIGHT_PURE_PYTHON=1 $(PY) -m pytest -q -n 2 --dist loadgroup $(ENGINE_TESTS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

setup: $(VENV)/.installed $(CORE) graphviz

# Reinstall only when the package metadata changes (editable install: code edits need nothing).
$(VENV)/.installed: pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,viz]'
	touch $@

# The compiled core (autograd/_core.c; docs/design.md, "The compiled core"): rebuilt when its source changes.
# Without a C compiler it says so and gradsight runs its Python engine.
$(CORE): autograd/_core.c $(VENV)/.installed
	$(PY) -m autograd.build_core

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

# Headless Chromium loads the tour page in tests/test_page.py: install it as root, or say how (that
# one test is then skipped, printing the same command).
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing headless Chromium with apt-get (for the tour page's browser test)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing: the tour page's browser test will be skipped. To run it:"; \
	    echo "    sudo apt-get install chromium      (Debian/Ubuntu)"; \
	  fi; }

# Re-execute the notebooks and save their outputs (pictures included) for readers on the web.
notebooks: $(VENV)/.installed graphviz
	$(PY) notebooks/run.py --save

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis autograd/_core*.so
