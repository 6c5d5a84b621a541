# Everyday commands (see README for the one-line set-up commands).
PY ?= python

run:
	$(PY) -m streamlit run app.py

test:
	$(PY) -m pytest -q

lint:
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

demo:
	$(PY) -m analytics demo

bench:
	$(PY) -m analytics bench --loans 1000000 --months 12

.PHONY: run test lint demo bench
