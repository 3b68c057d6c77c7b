# saliency-course: `make lab` to start the course, `make test` to check it.
# Everything installs into .venv from pyproject.toml (the one source of truth).

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8888
LAB_ARGS ?= --no-browser
PY := $(VENV)/bin/python
# Re-install only when pyproject.toml changes: the stamp's name carries its hash.
PYPROJECT_HASH := $(shell $(PYTHON) -c "import hashlib; print(hashlib.sha1(open('pyproject.toml','rb').read()).hexdigest()[:12])")
STAMP := $(VENV)/.installed-$(PYPROJECT_HASH)
# Jupyter refuses to run as root unless told; containers and CI often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: install lab test bench student grade clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --progress-bar off -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

lab: install
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks --port=$(PORT) $(ROOT_FLAG) $(LAB_ARGS)

test: install
	MPLBACKEND=Agg $(PY) -m pytest tests course_lib notebooks \
		--nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

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
