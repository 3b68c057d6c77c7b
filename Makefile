# saliency-course: `make lab` to start the course, `make test` to check it.
# Everything installs into .venv from pyproject.toml (the one source of truth).

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8888
LAB_ARGS ?= --no-browser
APP_PORT ?= 8866
APP_ARGS ?= --no-browser
PY := $(VENV)/bin/python
# Re-install only when pyproject.toml changes: the stamp's name carries its hash.
PYPROJECT_HASH := $(shell $(PYTHON) -c "import hashlib; print(hashlib.sha1(open('pyproject.toml','rb').read()).hexdigest()[:12])")
STAMP := $(VENV)/.installed-$(PYPROJECT_HASH)
# Jupyter refuses to run as root unless told; containers and CI often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# The real-browser test (tests/browser) drives this Chromium; `make test` runs it
# only when one is installed.
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser)

.PHONY: install lab app test test-browser bench student grade clean set-repository

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --progress-bar off -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

lab: install
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks --port=$(PORT) $(ROOT_FLAG) $(LAB_ARGS)

# Every explorer of the course in one page, served by voila (no code cells): apps/explorers.ipynb.
# The client option: voila runs the app cell with nbclient, which can miss a reply after widget
# cells and wait forever (jupyter/nbclient#312); the course's client polls in slices.
VOILA_CLIENT := --KernelManager.client_class=course_lib.classroom.runner.SlicedPollClient
app: install
	$(VENV)/bin/voila apps/explorers.ipynb --port=$(APP_PORT) $(VOILA_CLIENT) $(APP_ARGS)

test: install
	MPLBACKEND=Agg $(PY) -m pytest tests course_lib notebooks --ignore=tests/browser \
		--nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
	@if [ -n "$(CHROMIUM)" ]; then $(MAKE) --no-print-directory test-browser; \
	else echo "Chromium not found: skipping make test-browser (apt-get install chromium)"; fi

# JupyterLab + headless Chromium: run every notebook, drag its first slider; then the voila app.
# Screenshots in build/browser/.
test-browser: install
	CHROMIUM="$(CHROMIUM)" $(PY) -m pytest tests/browser -p no:cacheprovider -rsP

bench: install
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

# Student versions of the notebooks (solutions -> stubs, hidden tests removed).
student: install
	$(VENV)/bin/saliency-course student --out build/student

# Grade submitted notebooks: make grade SUBMISSIONS=path/to/submitted (one folder per student).
SUBMISSIONS ?= submitted
grade: install
	$(VENV)/bin/saliency-course grade $(SUBMISSIONS) --out build/gradebook.csv

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

# Publishing the course under a GitHub account: make set-repository REPO=owner/name writes the
# repository into the pip URL, the Binder and Colab links and every notebook's set-up cell
# (course_lib.course_files.REPOSITORY; tests/test_course_files.py checks that all copies agree).
set-repository:
	@test -n "$(REPO)" || { echo "usage: make set-repository REPO=owner/name"; exit 1; }
	old=$$(sed -n 's/^REPOSITORY = "\(.*\)"$$/\1/p' course_lib/course_files.py); \
	sed -i "s#$$old#$(REPO)#g" course_lib/course_files.py pyproject.toml README.md notebooks/*.ipynb
