"""AppTest: the Portfolio page runs in both languages, its filters work and stay across page switches."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from analytics import datasets, sample, store
from analytics.portfolio import _summary
from tests.conftest import PROJECT

PAGE = "pages/portfolio.py"


@pytest.fixture(scope="module")
def portfolio_db(tmp_path_factory):
    """A small sample portfolio (with the demo's roles and default definitions) in a database file."""
    path = tmp_path_factory.mktemp("portfolio") / "risklab.duckdb"
    con = store.connect(path)
    sample.build_sample(con, loans=2000, months=24)
    for table, table_roles in sample.SAMPLE_ROLES.items():
        datasets.save_roles(con, table, table_roles)
        datasets.save_definition(con, table, datasets.DefaultDefinition.from_dict(sample.SAMPLE_DEFAULTS[table]))
    con.execute(
        "CREATE TABLE perf_no_class AS SELECT * EXCLUDE (classification) FROM sample_performance WHERE branch = 'Hexi'"
    )
    con.close()
    return path


@pytest.fixture
def app(portfolio_db, monkeypatch):
    monkeypatch.setenv("RISKLAB_DB", str(portfolio_db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.session_state["table"] = "sample_performance"
    at.run()
    assert not at.exception
    return at.switch_page(PAGE).run()


def _metric(at, label: str):
    return next(m for m in at.metric if m.label.endswith(label))


@pytest.mark.parametrize(("lang", "title", "npl"), [("en", "Portfolio", "NPL ratio"), ("zh", "资产质量", "不良贷款率")])
def test_page_runs_in_both_languages(app, lang, title, npl):
    app.session_state["lang"] = lang
    app.run()
    assert not app.exception and not app.error
    assert app.title[0].value == title
    assert len(app.metric) >= 8
    assert "%" in _metric(app, npl).value
    assert len(app.tabs) == 7


def test_kpi_tiles_show_the_analytics_figures(app, portfolio_db):
    from analytics import portfolio
    from ui import database

    con = database._database(str(portfolio_db)).cursor()  # the app's own connection (same process)
    kpis = portfolio.kpis(con, portfolio.resolve(con, "sample_performance"))
    assert _metric(app, "Loans outstanding").value == f"{kpis.get('loans').value:,.0f}"
    par30 = _metric(app, "PAR30")
    assert par30.value in (f"{kpis.get('par30').value:.2%}", f":red[{kpis.get('par30').value:.2%}]")
    change = kpis.get("par30").change_month * 100
    assert par30.delta == f"{change:+.2f} pp"
    assert "vs a year earlier" in app.caption[1].value


def test_branch_filter_changes_the_figures_and_survives_a_page_switch(app):
    before = _metric(app, "Gross outstanding").value
    app.multiselect(key="pf_branch").set_value(["Hexi"]).run()
    assert not app.exception
    after = _metric(app, "Gross outstanding").value
    assert after != before
    assert app.session_state["portfolio_filters"]["branch"] == ["Hexi"]
    app.switch_page("pages/home.py").run()
    app.switch_page(PAGE).run()
    assert app.multiselect(key="pf_branch").value == ["Hexi"]
    assert _metric(app, "Gross outstanding").value == after


def test_as_of_month_and_period(app):
    months = app.selectbox(key="pf_as_of").options
    app.selectbox(key="pf_as_of").set_value(dt.date(2022, 6, 1)).run()
    assert not app.exception
    assert "2022-06-30" in app.caption[0].value
    assert len(months) > 12


def test_roll_window_and_breakdown_dimension(app):
    app.slider(key="pf_window").set_value(3).run()
    app.selectbox(key="pf_dimension").set_value("officer").run()
    app.selectbox(key="pf_measure").set_value("npl_ratio").run()
    assert not app.exception and not app.error


def test_saved_threshold_turns_a_tile_red(app):
    app.number_input(key="pf_thr_par30").set_value(0.0).run()
    app.button(key="pf_save_thresholds").click().run()
    assert not app.exception
    assert app.success[0].value == "Thresholds saved."
    assert _metric(app, "PAR30").value.startswith(":red[")


def test_table_without_classification_says_the_floor_is_used(app):
    app.session_state["table"] = "perf_no_class"
    app.run()
    assert not app.exception
    assert any("regulatory floor" in i.value for i in app.info)


def test_loan_level_table_explains_and_offers_the_performance_table(app, portfolio_db):
    from ui import database

    booked = database._database(str(portfolio_db)).cursor().execute("SELECT count(*) FROM sample_loans WHERE booked")
    app.session_state["table"] = "sample_loans"
    app.run()
    assert not app.exception and not app.error
    assert app.info[0].value.startswith("sample_loans has no monthly performance history (missing: Snapshot date")
    assert app.subheader[0].value.startswith(f"{booked.fetchall()[0][0]:,} loans")
    shown = app.dataframe[0]  # default rates by quarter: percentages with two decimals (9.10%, not 9.1%)
    assert json.loads(shown.proto.columns)["Default rate"]["type_config"]["format"] == "%.2f%%"
    rates = shown.value["Default rate"]
    assert rates.between(1, 100).all()
    np.testing.assert_allclose(rates, 100 * shown.value["Defaults"] / shown.value["Known outcome"], rtol=1e-12)
    app.button(key="pf_switch").click().run()
    assert not app.exception
    assert app.session_state["table"] in ("perf_no_class", "sample_performance")
    assert len(app.metric) >= 8


def test_first_visit_prepares_the_monthly_summary_once(app, portfolio_db):
    import ui
    from analytics import portfolio
    from ui import database

    con = database._database(str(portfolio_db)).cursor()
    source = ui.portfolio_source(con, "sample_performance")
    assert portfolio.summary_ready(con, source) and portfolio.find(con, source)
    built = con.execute(f"SELECT count(*) FROM {_summary.REGISTRY} WHERE table_name = 'sample_performance'")
    assert built.fetchall() == [(1,)]
    trend = portfolio.monthly(con, source, summary=False)
    assert _metric(app, "Loans outstanding").value == f"{trend['loans'].iloc[-1]:,.0f}"
