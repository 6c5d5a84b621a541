"""Shared fixtures: an empty sandboxed database and one demo database built once per run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from analytics import store

PROJECT = Path(__file__).resolve().parent.parent
# AppTests run the app inside the pytest process: the server's address-space cap (store.limit_memory) would cap
# the whole test run, so it is off here unless a test asks for it
os.environ.setdefault("RISKLAB_SERVER_MEMORY_MB", "0")


GERMAN_R_GLM = {  # R glm(binomial) on German Credit, ../shared/data/README.md: coefficient and SE as printed
    "duration_months": ("0.027863", "0.009296"),
    "credit_amount": ("1.283e-4", "4.44e-5"),
    "installment_rate": ("0.33009", "0.08828"),
    "age_years": ("-0.014535", "0.009222"),
    "people_liable": ("0.26467", "0.24923"),
}


def fit(con, spec, **options):
    """``model.fit_model`` of ``spec`` with its table's context read first, as a page reads it once per run."""
    from analytics import datasets, model

    return model.fit_model(con, datasets.table_context(con, spec.table), spec, **options)


def stepwise(con, spec, **options):
    """``model.stepwise`` of ``spec`` with its table's context read first."""
    from analytics import datasets, model

    return model.stepwise(con, datasets.table_context(con, spec.table), spec, **options)


def add_table(con, name: str, frame) -> None:
    """Create table ``name`` from a DataFrame (the sandbox allows registered frames, not replacement scans)."""
    con.register("_src", frame)
    con.execute(f"CREATE TABLE {store.quote_ident(name)} AS SELECT * FROM _src")
    con.unregister("_src")


@pytest.fixture
def con():
    """An empty in-memory, sandboxed Risk Lab database."""
    connection = store.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory) -> Path:
    """The demo database (sample portfolio + shipped datasets), built once; copy before changing it."""
    from analytics.sample import build_demo

    path = tmp_path_factory.mktemp("demo") / "risklab.duckdb"
    connection = store.connect(path)
    build_demo(connection)
    connection.close()
    return path


@pytest.fixture
def demo_db(demo_db_template, tmp_path) -> Path:
    """A private copy of the demo database that a test may change."""
    path = tmp_path / "risklab.duckdb"
    shutil.copy(demo_db_template, path)
    return path


@pytest.fixture
def widget_warnings(monkeypatch):
    """What Streamlit logs about a widget given its value both by an argument and through the Session State API
    ("The widget with key ... was created with a default value but also had its value set ...")."""
    import logging

    from streamlit.elements.lib import policies

    logged: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: logged.append(record.getMessage())
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)  # Streamlit says it once per process
    policies._LOGGER.addHandler(handler)
    yield logged
    policies._LOGGER.removeHandler(handler)


# --- the real browser (Debian's Chromium driven by Playwright) for the browser tests -------------------------------

CHROMIUM = "/usr/bin/chromium"
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Debian chromium is required (the README's test command installs it)"
    from playwright.sync_api import sync_playwright  # only the browser tests need it

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    yield tab
    context.close()


# --- a demo database with one saved model (Expert vs model and What-if pages) -------------------------------------

SAMPLE_LOGIT = "Sample logit"


@pytest.fixture(scope="session")
def model_db_template(demo_db_template, tmp_path_factory):
    """The demo database with the saved model "Sample logit" on three factors (fitted once per run)."""
    from analytics import model

    factors = (
        model.FactorSpec("debt_ratio"),
        model.FactorSpec("annual_income", "log"),
        model.FactorSpec("credit_rating", "categorical", "AAA"),
    )
    path = tmp_path_factory.mktemp("model_db") / "risklab.duckdb"
    path.write_bytes(demo_db_template.read_bytes())
    con = store.connect(path)
    model.save_model(con, SAMPLE_LOGIT, fit(con, model.ModelSpec("sample_loans", factors), validate=False))
    con.close()
    return path


@pytest.fixture
def model_db(model_db_template, tmp_path):
    """A private copy of ``model_db_template`` that a test may change."""
    path = tmp_path / "risklab.duckdb"
    path.write_bytes(model_db_template.read_bytes())
    return path
