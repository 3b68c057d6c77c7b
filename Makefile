# saliency-course: `make lab` to start the course, `make test` to check it.
# Everything installs into .venv: the dependencies pyproject.toml allows, at the exact
# versions of requirements-lock.txt (the lock), so every install of a term is the same.

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8888
LAB_ARGS ?= --no-browser
APP_PORT ?= 8866
APP_ARGS ?= --no-browser
PY := $(VENV)/bin/python
LOCK := requirements-lock.txt
# `make test-latest` empties this to install the newest versions pyproject.toml allows.
CONSTRAINTS ?= -c $(LOCK)
# Re-install only when pyproject.toml, the lock or CONSTRAINTS change: the stamp's name carries their hash.
INSTALL_HASH := $(shell $(PYTHON) -c "import hashlib, sys; print(hashlib.sha1(open('pyproject.toml','rb').read() + open('$(LOCK)','rb').read() + sys.argv[1].encode()).hexdigest()[:12])" "$(CONSTRAINTS)")
STAMP := $(VENV)/.installed-$(INSTALL_HASH)
# Jupyter refuses to run as root unless told; containers and CI often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# The real-browser test (tests/browser) drives this Chromium; `make test` runs it
# only when one is installed.
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser)

# Grading output (gradebook, feedback, answer pages, the results cache, manual scores) lives
# here, apart from build/: `make clean` never deletes a term's grading.
GRADING ?= grading

.PHONY: install lock test-latest lab app test test-browser book bench student grade clean set-repository

install: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --progress-bar off $(CONSTRAINTS) -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# Regenerate the lock after changing pyproject.toml's dependencies, or to move a term to newer
# versions (then `make test`). uv resolves for every platform at once (markers for macOS,
# Windows, other Pythons), in a tool venv of its own so that it is not in the lock. Where pip
# is capped by a machine's own constraints (a torch that lies on its disk), the lock honours them.
UV_VENV := .venv-lock
PIP_CAP := $(wildcard /etc/xdg/pip/constraints.txt)
lock:
	test -x $(UV_VENV)/bin/uv || { $(PYTHON) -m venv $(UV_VENV) && $(UV_VENV)/bin/pip install --progress-bar off 'uv>=0.9'; }
	$(UV_VENV)/bin/uv pip compile pyproject.toml --all-extras --universal --python-version 3.10 \
		$(if $(PIP_CAP),-c $(PIP_CAP)) --custom-compile-command "make lock" --quiet -o $(LOCK)

# Before each term: the newest versions pyproject.toml allows, in a venv of their own, through
# the whole test suite. A failure here is the next break students would meet: fix it, or
# narrow pyproject.toml's range; then `make lock`.
test-latest:
	rm -rf .venv-latest
	$(MAKE) --no-print-directory test VENV=.venv-latest CONSTRAINTS= SALIENCY_UNLOCKED=1

lab: install
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks --port=$(PORT) $(ROOT_FLAG) $(LAB_ARGS)

# Every explorer of the course in one page, served by voila (no code cells): apps/explorers.ipynb.
# The client option: voila runs the app cell with nbclient, which can miss a reply after widget
# cells and wait forever (jupyter/nbclient#312); the course's client polls in slices.
VOILA_CLIENT := --KernelManager.client_class=course_lib.kernel_transport.SlicedPollClient
app: install
	$(VENV)/bin/voila apps/explorers.ipynb --port=$(APP_PORT) $(VOILA_CLIENT) $(APP_ARGS)

test: install
	MPLBACKEND=Agg SALIENCY_UNLOCKED=$(SALIENCY_UNLOCKED) $(PY) -m pytest tests course_lib notebooks --ignore=tests/browser \
		--nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg --durations=40
	@if [ -n "$(CHROMIUM)" ]; then $(MAKE) --no-print-directory test-browser; \
	else echo "Chromium not found: skipping make test-browser (apt-get install chromium)"; fi

# JupyterLab + headless Chromium: run every notebook, drag its first slider; then the voila app.
# Screenshots in build/browser/.
test-browser: install
	CHROMIUM="$(CHROMIUM)" $(PY) -m pytest tests/browser -p no:cacheprovider -rsP

# The course website in build/book (open build/book/index.html), from the committed notebooks
# and their stored outputs: nothing is executed. Publishing: README, "The course website".
book: install
	rm -rf build/book
	$(PY) -m sphinx -b html -c book -d build/.book-doctrees . build/book -q -W --keep-going

bench: install
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

# Student versions of the notebooks (solutions -> stubs, hidden tests removed).
student: install
	$(VENV)/bin/saliency-course student --out build/student

# Grade submitted notebooks: make grade SUBMISSIONS=path/to/submitted (one folder per student).
# Writes $(GRADING)/gradebook.csv, feedback/, answers/ and the .results/ cache; keep manual
# scores there too (manual_scores.csv). One assignment: make grade NOTEBOOKS="00 05" (numbers
# or names; the gradebook, totals and pages then cover those notebooks alone).
SUBMISSIONS ?= submitted
NOTEBOOKS ?=
grade: install
	$(VENV)/bin/saliency-course grade $(SUBMISSIONS) --out $(GRADING)/gradebook.csv $(NOTEBOOKS:%=--notebook %)

# Removes what make can rebuild: the venvs, caches, build/. Never $(GRADING)/ nor submitted/.
clean:
	rm -rf $(VENV) .venv-latest $(UV_VENV) .pytest_cache build *.egg-info

# Publishing the course under a GitHub account: make set-repository REPO=owner/name writes the
# repository into the pip URL, the Binder and Colab links, the website's address and every notebook's set-up cell
# (course_lib.course_files.REPOSITORY; tests/test_course_files.py checks that all copies agree).
set-repository:
	@test -n "$(REPO)" || { echo "usage: make set-repository REPO=owner/name"; exit 1; }
	old=$$(sed -n 's/^REPOSITORY = "\(.*\)"$$/\1/p' course_lib/course_files.py); new="$(REPO)"; \
	sed -i -e "s#$$old#$$new#g" -e "s#$${old%%/*}.github.io/$${old#*/}#$${new%%/*}.github.io/$${new#*/}#g" \
		course_lib/course_files.py pyproject.toml README.md notebooks/*.ipynb
