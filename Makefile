# colbot — `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run chat test lint bench messages-extract messages-update messages-compile clean

setup: $(STAMP) messages-compile

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) (pyenv install 3.11)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[sentence-transformers,test]"
	touch $(STAMP)

run: setup
	$(PY) -m bot

chat: setup
	$(PY) -m bot chat

test: setup
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: setup
	$(PY) -m bench

messages-extract: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -o locales/messages.pot --no-location --sort-output \
		--project colbot --copyright-holder "colbot" .

messages-update: messages-extract
	$(VENV)/bin/pybabel update -i locales/messages.pot -d locales --no-fuzzy-matching

messages-compile: $(STAMP)
	$(VENV)/bin/pybabel compile -d locales --statistics

clean:
	rm -rf $(VENV) var
