"""AppTest: the Monitoring page on the demo database, in both languages, with its settings and open periods."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT

PAGE = "pages/monitoring.py"


@pytest.fixture
def app(demo_db, monkeypatch):
    monkeypatch.setenv("RISKLAB_DB", str(demo_db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    return at.switch_page(PAGE).run()


def _table(at, column: str):
    """The first shown table that has ``column`` (its key; the label is in the column configuration)."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


@pytest.mark.parametrize(
    ("lang", "title", "tab"), [("en", "Monitoring", "Back-testing"), ("zh", "模型监控", "回溯检验")]
)
def test_page_runs_in_both_languages(app, lang, title, tab):
    app.session_state["lang"] = lang
    app.run()
    assert not app.exception and not app.error
    assert app.title[0].value == title
    assert [t.label for t in app.tabs][2] == tab
    assert app.warning or app.success  # the alerts, or that none was raised


def test_monthly_periods_and_open_windows_on_the_sample(app):
    assert app.selectbox(key="mon_model").value == "sample scorecard"
    stability = _table(app, "psi")
    assert stability["period"].iloc[0] == "2021-01" and stability["period"].iloc[-1] == "2024-06"
    assert len(stability) == 42
    backtest = _table(app, "jeffreys_p")
    open_rows = backtest[backtest["status"].str.startswith("open until")]
    assert list(open_rows["period"]) == [f"2023-{m:02d}" for m in range(7, 13)] + [f"2024-{m:02d}" for m in range(1, 7)]
    assert open_rows["default_rate"].isna().all() and (open_rows["traffic_light"] == "-").all()  # never zero defaults
    closed = backtest[backtest["status"] == "closed"]
    assert closed["traffic_light"].isin(["green", "yellow", "red"]).all()


def test_quarters_window_and_lights_are_settings(app):
    app.radio(key="mon_period").set_value("quarter").run()
    stability = _table(app, "psi")
    assert stability["period"].iloc[0] == "2021-Q1" and len(stability) == 14
    app.number_input(key="mon_window").set_value(0).run()
    backtest = _table(app, "jeffreys_p")
    assert (backtest["status"] == "closed").all()
    app.number_input(key="mon_red").set_value(0.2).run()  # red above yellow: refused in words
    assert app.error and "red p-value" in app.error[0].value


def test_a_challenger_is_made_compared_and_saved_as_the_next_version(app, demo_db):
    from analytics import model

    app.radio(key="mon_ch_kind").set_value("intercept").run()
    app.button(key="mon_ch_run").click().run()
    assert not app.exception and not app.error
    comparison = _table(app, "challenger")
    assert len(comparison) == 11 and comparison["champion"].iloc[0] == "4,222"  # booked loans of Jan-Jun 2023
    assert app.text_input(key="mon_ch_reason").value.startswith("sample scorecard v1 with its intercept")
    app.text_input(key="mon_ch_reason").set_value("yearly recalibration").run()
    app.button(key="mon_ch_save").click().run()
    assert not app.exception
    assert app.success[0].value.startswith("Saved sample scorecard version 2: yearly recalibration")
    versions = model.list_models(_db(demo_db), "sample_loans")
    assert versions["version"].max() == 2


def _db(demo_db):
    """The app's own connection (it lives in this process), as a cursor."""
    from ui import database

    return database._database(str(demo_db)).cursor()
