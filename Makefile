# colbot — `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# pyenv keeps 3.10 beside the default 3.11; elsewhere python3.10 on the PATH
RASA_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python3.10) python3.10)
RASA_VENV := .venv-rasa
RASA_MODEL := var/rasa/colbot-nlu.tar.gz
RASA_DATA := var/rasa/nlu-train.yml

.PHONY: setup run chat test lint bench rasa rasa-model rasa-run rasa-actions \
	messages-extract messages-update messages-compile clean

setup: $(STAMP) messages-compile
	$(PY) -m bot --quiet train-nlu

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

test: setup rasa-model
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports --no-logo
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-logo

bench: setup rasa-model
	$(PY) -m bench $(SECTIONS)

# Rasa 3.6 needs Python 3.10: its own venv, trained from the same data (nlu/).
rasa: $(RASA_VENV)/.installed

$(RASA_VENV)/.installed:
	@command -v $(RASA_PYTHON) >/dev/null || { echo "Rasa needs $(RASA_PYTHON) (pyenv install 3.10)"; exit 1; }
	test -x $(RASA_VENV)/bin/python || $(RASA_PYTHON) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install --quiet rasa==3.6.21
	touch $@

rasa-model: $(RASA_MODEL)

# nlu.yml with a few ways of asking each knowledge entry, as the embedded interpreter learns it
$(RASA_DATA): $(STAMP) nlu/data/nlu.yml $(wildcard cities/ljubljana/knowledge/*.yaml)
	$(PY) -m bot --quiet export-nlu $@

$(RASA_MODEL): $(RASA_VENV)/.installed nlu/config.yml nlu/domain.yml $(RASA_DATA)
	$(RASA_VENV)/bin/rasa train nlu --quiet --config nlu/config.yml --nlu $(RASA_DATA) \
		--domain nlu/domain.yml --out var/rasa --fixed-model-name colbot-nlu

rasa-run: rasa-model
	$(RASA_VENV)/bin/rasa run --enable-api --model $(RASA_MODEL) --port 5005

rasa-actions: setup
	$(PY) -m bot actions --port 5055

messages-extract: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -o locales/messages.pot --no-location --sort-output \
		--project colbot --copyright-holder "colbot" .

messages-update: messages-extract
	$(VENV)/bin/pybabel update -i locales/messages.pot -d locales --no-fuzzy-matching --width 100

messages-compile: $(STAMP)
	$(VENV)/bin/pybabel compile -d locales --statistics

clean:
	rm -rf $(VENV) $(RASA_VENV) var
