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
    assert len(app.tabs) == 8


def test_kpi_tiles_show_the_analytics_figures(app, portfolio_db):
    from analytics import portfolio
    from ui import database

    con = database._database(str(portfolio_db)).cursor()  # the app's own connection (same process)
    kpis = portfolio.kpis(con, portfolio.resolve(con, datasets.table_context(con, "sample_performance")))
    assert _metric(app, "Loans outstanding").value == f"{kpis.get('loans').value:,.0f}"
    par30 = _metric(app, "PAR30")
    assert par30.value in (f"{kpis.get('par30').value:.2%}", f":red[{kpis.get('par30').value:.2%}]")
    change = kpis.get("par30").change_month * 100
    assert par30.delta == f"{change:+.2f} pp"
    assert "vs a year earlier" in app.caption[1].value


def test_branch_filter_changes_the_figures_and_survives_a_page_switch(app):
    before = _metric(app, "Gross outstanding").value
    app.multiselect(key="pf_filter_branch").set_value(["Hexi"]).run()
    assert not app.exception
    after = _metric(app, "Gross outstanding").value
    assert after != before
    assert app.session_state["kept"]["pf_filter_branch"] == ["Hexi"]  # kept aside for the next page switch
    app.switch_page("pages/home.py").run()
    app.switch_page(PAGE).run()
    assert app.multiselect(key="pf_filter_branch").value == ["Hexi"]
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
    columns = json.loads(shown.proto.columns)  # keyed by the frame's column keys, headers in the user's words
    assert columns["default_rate"]["label"] == "Default rate"
    assert columns["default_rate"]["type_config"]["format"] == "%.2f%%"
    assert (columns["defaults"]["label"], columns["known"]["label"]) == ("Defaults", "Loans with a known outcome")
    rates = shown.value["default_rate"]
    assert rates.between(1, 100).all()
    np.testing.assert_allclose(rates, 100 * shown.value["defaults"] / shown.value["known"], rtol=1e-12)
    app.button(key="pf_switch").click().run()
    assert not app.exception
    assert app.session_state["table"] in ("perf_no_class", "sample_performance")
    assert len(app.metric) >= 8


def test_first_visit_prepares_the_monthly_summary_once(app, portfolio_db):
    from analytics import portfolio
    from ui import database

    con = database._database(str(portfolio_db)).cursor()
    source = portfolio.resolve(con, datasets.table_context(con, "sample_performance"))
    assert portfolio.summary_ready(con, source) and portfolio.find(con, source)
    built = con.execute(f"SELECT count(*) FROM {_summary.REGISTRY} WHERE table_name = 'sample_performance'")
    assert built.fetchall() == [(1,)]
    trend = portfolio.monthly(con, source, summary=False)
    assert _metric(app, "Loans outstanding").value == f"{trend['loans'].iloc[-1]:,.0f}"


PAGE_WIDGETS = ("pf_as_of", "pf_period", "pf_filter_branch", "pf_filter_segment", "pf_window", "pf_dimension")


def test_filters_are_restored_after_a_page_switch_when_the_browser_forgot_them(app):
    """The browser drops the state of a page's widgets when another page is shown; the portfolio filters come
    back from the values kept aside (ui.session), not from the widgets' own state."""
    months = app.selectbox(key="pf_as_of").options  # newest first, as the picker shows them
    app.selectbox(key="pf_as_of").set_value(dt.date(2022, 6, 1)).run()
    app.select_slider(key="pf_period").set_value((dt.date(2022, 1, 1), dt.date(2022, 12, 1))).run()
    app.multiselect(key="pf_filter_branch").set_value(["Hexi"]).run()
    app.slider(key="pf_window").set_value(3).run()
    assert not app.exception
    filtered = _metric(app, "Gross outstanding").value
    trend = app.dataframe[0].value  # the monthly table: the period's months only
    assert len(trend) == 12
    app.switch_page("pages/home.py").run()
    for key in PAGE_WIDGETS:  # what the browser does with the widgets of a page it left
        if key in app.session_state:
            del app.session_state[key]
    assert "pf_filter_branch" not in app.session_state
    app.switch_page(PAGE).run()
    assert not app.exception and not app.error
    assert app.selectbox(key="pf_as_of").value == dt.date(2022, 6, 1)
    assert app.selectbox(key="pf_as_of").options == months
    assert app.select_slider(key="pf_period").value == (dt.date(2022, 1, 1), dt.date(2022, 12, 1))
    assert app.multiselect(key="pf_filter_branch").value == ["Hexi"]
    assert app.slider(key="pf_window").value == 3
    assert "2022-06-30" in app.caption[0].value
    assert _metric(app, "Gross outstanding").value == filtered
    assert app.dataframe[0].value.equals(trend)


def test_a_fresh_visit_starts_from_the_defaults(app):
    months = app.selectbox(key="pf_as_of").options  # newest first, written as months: 2022-12
    assert f"{app.selectbox(key='pf_as_of').value:%Y-%m}" == months[0] == "2022-12"
    start, end = app.select_slider(key="pf_period").value  # every month
    assert (f"{start:%Y-%m}", f"{end:%Y-%m}") == (months[-1], months[0])
    assert app.multiselect(key="pf_filter_branch").value == []
    assert app.slider(key="pf_window").value == 6


def test_no_widget_gets_its_value_twice(portfolio_db, monkeypatch):
    """No "created with a default value but also had its value set via the Session State API" warning: the
    restored widgets take no value of their own (the period, a range slider, takes only its value)."""
    from streamlit.elements.lib import policies

    warned = []
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning", lambda message, *args, **kwargs: warned.append(message % args))
    monkeypatch.setenv("RISKLAB_DB", str(portfolio_db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.session_state["table"] = "sample_performance"
    at.run()
    at.switch_page(PAGE).run()
    at.multiselect(key="pf_filter_branch").set_value(["Hexi"]).run()
    at.switch_page("pages/home.py").run()
    for key in PAGE_WIDGETS:
        if key in at.session_state:
            del at.session_state[key]
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.multiselect(key="pf_filter_branch").value == ["Hexi"]
    assert warned == []


@pytest.fixture
def downloads(monkeypatch):
    """The callables behind the page's download buttons, by file name (Streamlit calls them on a click only)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    found = {}
    add_deferred = MediaFileManager.add_deferred

    def keep(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        found[file_name] = data_callable
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return found


def test_excel_and_html_exports_are_built_on_download_only(downloads, app, monkeypatch):
    import io

    import openpyxl

    from ui import charts

    built = []
    drawn = charts.Report.drawn
    monkeypatch.setattr(charts.Report, "drawn", lambda self: built.append(1) or drawn(self))
    app.run()
    stamp = f"sample_performance_portfolio_{app.selectbox(key='pf_as_of').value:%Y-%m}"
    assert {f"{stamp}.xlsx", f"{stamp}.html"} <= set(downloads)
    assert built == []  # the reruns drew the charts but built no report

    report = downloads[f"{stamp}.html"]()
    assert built == [1]
    assert report.count('<figure class="chart"><svg') == 10  # drawn as SVG: no script, no address
    assert "<script" not in report and "http://" not in report and "https://" not in report
    assert "<h2>Provisions and ECL</h2>" in report and "Coverage ratio" in report and "Required reserve" in report
    assert "Expected credit loss (ECL)" in report
    assert "<h2>Key figures</h2>" in report and "PAR30" in report and "Loans outstanding" in report

    book = openpyxl.load_workbook(io.BytesIO(downloads[f"{stamp}.xlsx"]()))
    assert {"kpis", "monthly", "classification_mix", "roll_rates", "top_borrowers", "hhi"} <= set(book.sheetnames)
    monthly = book["monthly"]
    headers = [cell.value for cell in monthly[1]]
    assert headers[:3] == ["Month", "Loans", "Outstanding"] and "PAR30" in headers
    par30 = headers.index("PAR30") + 1
    assert monthly.cell(row=2, column=par30).number_format == "0.00%"
    assert monthly.cell(row=2, column=3).number_format == "#,##0"
    assert monthly.freeze_panes == "A2"
    rolls = book["roll_rates"]
    assert rolls.cell(row=2, column=2).number_format == "0.00%"  # pivoted states: shares, as the page says
    assert {"provisions", "provisions_by_category", "provisions_trend", "ecl_by_stage", "stage_migration"} <= set(
        book.sheetnames
    )
    provision_sheet = book["provisions"]
    headers = [cell.value for cell in provision_sheet[1]]
    coverage = headers.index("Coverage ratio") + 1
    assert provision_sheet.cell(row=2, column=coverage).number_format == "0.00%"
    assert provision_sheet.cell(row=2, column=headers.index("Required reserve") + 1).number_format == "#,##0"
    assert book["stage_migration"].cell(row=2, column=2).number_format == "0.00%"


@pytest.mark.parametrize(
    ("lang", "coverage", "ratio", "ecl"),
    [("en", "Coverage ratio", "Provision-to-loan ratio", "ECL"), ("zh", "拨备覆盖率", "贷款拨备率", "ECL")],
)
def test_provisions_tab_shows_the_analytics_figures(app, portfolio_db, lang, coverage, ratio, ecl):
    from analytics import core, portfolio, provisions
    from ui import database

    app.session_state["lang"] = lang
    app.run()
    assert not app.exception and not app.error
    con = database._database(str(portfolio_db)).cursor()
    source = portfolio.resolve(con, datasets.table_context(con, "sample_performance"))
    expected = provisions.provisions(con, source, provisions.load_settings(con))
    shown = _metric(app, coverage).value
    assert core.format_value(expected.get("coverage_ratio"), "share", lang) in shown
    assert core.format_value(expected.get("provision_to_loan_ratio"), "share", lang) in _metric(app, ratio).value
    assert any(ecl in m.label for m in app.metric)


def test_saved_provision_minimum_turns_the_coverage_tile_red_and_back(app):
    assert _metric(app, "Coverage ratio").value.startswith(":red[")  # the sample's coverage is below 150%
    app.number_input(key="pf_prov_min_coverage_ratio").set_value(10.0).run()
    app.button(key="pf_prov_save").click().run()
    assert not app.exception
    assert any(s.value == "Provision settings saved." for s in app.success)
    assert not _metric(app, "Coverage ratio").value.startswith(":red[")


def test_ecl_from_a_saved_model_and_the_migration_months(app):
    app.selectbox(key="pf_mig_from").set_value(app.selectbox(key="pf_mig_from").options[3]).run()
    assert not app.exception and not app.error
    assert app.selectbox(key="pf_ecl_model").options[0]  # the default curves come first


def test_a_held_provisions_column_adds_the_reserve_adequacy_tile(tmp_path, monkeypatch):
    from tests.conftest import add_table
    from tests.test_provisions import _tiny_frame

    path = tmp_path / "held.duckdb"
    con = store.connect(path)
    add_table(con, "tiny", _tiny_frame())
    con.close()
    monkeypatch.setenv("RISKLAB_DB", str(path))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.session_state["table"] = "tiny"
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception and not at.error
    assert _metric(at, "Reserve adequacy ratio").value == ":red[80.00%]"  # 330 held / 412.5 required
    assert _metric(at, "Coverage ratio").value == ":red[48.53%]"  # 412.5 / 850
    assert _metric(at, "Required reserve").value == "412"  # amounts in whole units
