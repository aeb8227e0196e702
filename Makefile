# Everything runs in .venv (created on first use with python3 -m venv).
# The project is installed editable, so source changes need no reinstall; pip
# runs again only when pyproject.toml changes (the .venv/.installed-* stamps).

VENV    := .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip install -q --disable-pip-version-check --no-input

.PHONY: serve demo test bench clean-venv

# The main job: the blog at http://127.0.0.1:8000 and the REST API (docs at /docs) on the embedded store.
serve: $(VENV)/.installed-base
	$(VENV)/bin/dynastore serve

demo: $(VENV)/.installed-base
	$(VENV)/bin/dynastore demo

# pytest exits 5 when it collects no test; that is not a failure here.
test: $(VENV)/.installed-test
	@rc=0; $(PY) -m pytest -q -p no:cacheprovider || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no tests collected"; rc=0; fi; exit $$rc

bench: $(VENV)/.installed-bench
	$(PY) -m benchmarks

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.installed-base: pyproject.toml | $(PY)
	$(PIP) -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) -e '.[test]'
	@touch $@

$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PIP) -e '.[bench]'
	@touch $@

clean-venv:
	rm -rf $(VENV)
