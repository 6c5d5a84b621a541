"""AppTest: the Risk factors page runs in both languages; choosing factors, methods and saving binnings work."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from analytics import datasets, factors
from tests.conftest import PROJECT

PAGE = "pages/risk_factors.py"


@pytest.fixture
def app(demo_db, monkeypatch):
    monkeypatch.setenv("RISKLAB_DB", str(demo_db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def _db(demo_db):
    """The app's own connection (it lives in this process), to read what the page saved."""
    from ui import database

    return database._database(str(demo_db)).cursor()


BINNING_TABLE = 3  # after the ranking, the columns that are not candidates and the pre-selection


def _binning_table(app, totals=False):
    """The binning table of the Binning tab (without its totals row unless ``totals``)."""
    table = app.dataframe[BINNING_TABLE].value
    return table if totals else table.iloc[:-1]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_runs_in_both_languages(app, lang):
    app.session_state["lang"] = lang
    app.run()
    assert not app.exception and not app.error
    assert app.title[0].value == {"en": "Risk factors", "zh": "风险因子"}[lang]
    ranking = app.dataframe[0].value
    assert len(ranking) == 19 and ranking["iv"].is_monotonic_decreasing
    # the rate follows the rating and the rate increase, which weighs +1.40 after July 2022 (data/README.md)
    assert list(ranking["factor"].iloc[:3]) == ["interest_rate", "credit_rating", "interest_rate_increase"]
    assert {"en": "Binning", "zh": "分箱"}[lang] in [tab.label for tab in app.tabs]
    assert app.toggle(key="factors_booked").value is True
    config = json.loads(app.dataframe[0].proto.columns)
    assert all(re.fullmatch(r"<0\.0001|\d\.\d{4}", p) for p in ranking["p_value"])  # 0.0362, not 3.62e-2
    assert config["missing_share"]["type_config"]["format"] == "%.2f%%"
    assert config["strength"]["label"] == {"en": "Strength", "zh": "区分能力"}[lang]
    assert all(config[c]["width"] >= 8 * len(config[c]["label"]) + 16 for c in ranking.columns)  # no header cut


def test_picked_factors_are_carried_to_the_model_page(app):
    app.multiselect(key="factors_pick").set_value(["credit_rating", "annual_income"]).run()
    assert app.session_state["model_factors"] == ["credit_rating", "annual_income"]
    app.switch_page("pages/home.py").run()
    app.switch_page(PAGE).run()  # coming back: both pickers start from the carried factors
    assert app.multiselect(key="factors_pick").value == ["credit_rating", "annual_income"]
    assert app.multiselect(key="corr_factors").value == ["credit_rating", "annual_income"]


def test_changing_the_factor_and_the_method(app):
    app.selectbox(key="bin_factor").set_value("debt_ratio").run()
    assert app.radio(key="bin_method_debt_ratio").options == ["Optimal monotonic", "Quantiles", "Edit by hand"]
    optimal = _binning_table(app)
    assert optimal["bad_rate"].is_monotonic_increasing
    assert abs(optimal["share"].sum() - 100) < 1e-9  # shares shown as percentages with two decimals
    assert json.loads(app.dataframe[BINNING_TABLE].proto.columns)["share"]["type_config"]["format"] == "%.2f%%"
    app.radio(key="bin_method_debt_ratio").set_value("quantile").run()
    app.number_input(key="bin_n").set_value(5).run()
    assert not app.exception and not app.error
    assert len(_binning_table(app)) == 5
    app.radio(key="bin_method_debt_ratio").set_value("manual").run()
    app.text_input(key="bin_cuts_debt_ratio").set_value("0.3, 0.6").run()
    assert _binning_table(app)["label"].tolist() == ["< 0.3", "[0.3, 0.6)", ">= 0.6"]
    app.text_input(key="bin_cuts_debt_ratio").set_value("0.3, high").run()
    assert app.error[0].value.startswith("'high' is not a number")
    app.selectbox(key="bin_factor").set_value("guarantee_method").run()
    assert app.radio(key="bin_method_guarantee_method").options == [
        "Optimal monotonic",
        "One bin per level",
        "Edit by hand",
    ]
    app.radio(key="bin_method_guarantee_method").set_value("levels").run()
    assert len(_binning_table(app)) == 5
    app.radio(key="bin_method_guarantee_method").set_value("manual").run()  # levels with editable bin numbers
    assert not app.exception and not app.error


def test_saving_a_binning(app, demo_db, widget_warnings):
    app.selectbox(key="bin_factor").set_value("annual_income").run()
    app.radio(key="bin_method_annual_income").set_value("quantile").run()
    app.number_input(key="bin_n").set_value(4).run()
    app.text_input(key="bin_name_annual_income_quantile").set_value("income quartiles").run()
    app.button(key="bin_save").click().run()
    assert not app.exception
    assert app.success[0].value == (
        "Binning 'income quartiles' of annual_income saved as version 1: the ranking, stability and correlation now "
        "use it."
    )
    con = _db(demo_db)
    saved = factors.load_binning(con, "sample_loans", "annual_income", "income quartiles")
    assert (saved.method, saved.n, len(saved.cuts)) == ("quantile", 4, 3)
    ranking = app.dataframe[0].value.set_index("factor")
    assert ranking.loc["annual_income", "binning"] == "income quartiles"
    assert app.radio(key="bin_method_annual_income").value == "saved"  # the page now shows the saved binning
    assert app.selectbox(key="bin_saved_annual_income").value == "income quartiles v1"
    assert len(_binning_table(app)) == 4
    app.radio(key="bin_method_annual_income").set_value("quantile").run()  # the same name again: version 2
    app.number_input(key="bin_n").set_value(3).run()
    app.text_input(key="bin_name_annual_income_quantile").set_value("income quartiles").run()
    app.button(key="bin_save").click().run()
    assert app.selectbox(key="bin_saved_annual_income").options == ["income quartiles v2", "income quartiles v1"]
    assert app.selectbox(key="bin_saved_annual_income").value == "income quartiles v2"
    assert len(factors.load_binning(con, "sample_loans", "annual_income", "income quartiles", 1).cuts) == 3
    app.text_input(key="bin_name_annual_income_saved_income quartiles v2").set_value("  ").run()
    app.button(key="bin_save").click().run()
    assert app.error[0].value == "give the binning a name of 1 to 60 characters"
    assert [w for w in widget_warnings if "Session State API" in w] == []  # shown through session.set_widget


def test_the_save_name_follows_the_chosen_method(app):
    """Issue 13: with Quantiles chosen the save name still read "... optimal", the first method's."""
    app.selectbox(key="bin_factor").set_value("debt_ratio").run()
    assert app.text_input(key="bin_name_debt_ratio_optimal").value == "debt_ratio optimal"
    app.radio(key="bin_method_debt_ratio").set_value("quantile").run()
    assert not app.exception and not app.error
    assert app.text_input(key="bin_name_debt_ratio_quantile").value == "debt_ratio quantile"
    app.text_input(key="bin_name_debt_ratio_quantile").set_value("debt deciles").run()
    app.radio(key="bin_method_debt_ratio").set_value("manual").run()
    assert [box.value for box in app.text_input if box.key.startswith("bin_name_")] == ["debt_ratio manual"]
    app.button(key="bin_save").click().run()
    assert app.success[0].value.startswith("Binning 'debt_ratio manual' of debt_ratio saved as version 1")
    assert app.text_input(key="bin_name_debt_ratio_saved_debt_ratio manual v1").value == "debt_ratio manual"


def test_stability_and_correlation(app):
    assert app.radio(key="stab_kind").options == ["Train vs test (random)", "Earlier vs later origination"]
    app.radio(key="stab_kind").set_value("time").run()
    assert not app.exception and not app.error
    summary = app.dataframe[BINNING_TABLE + 1].value
    assert list(summary.columns) == ["factor", "csi", "verdict"] and len(summary) == 19
    app.multiselect(key="corr_factors").set_value(["credit_rating"]).run()
    assert app.error[0].value == "choose at least two factors for the correlation matrix"
    app.multiselect(key="corr_factors").set_value(["credit_rating", "annual_income", "total_assets"]).run()
    assert not app.error
    vif = next(frame.value for frame in app.dataframe if "vif" in frame.value.columns)  # the Group lending tab follows
    assert vif["factor"].tolist() == ["credit_rating", "annual_income", "total_assets"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_without_an_origination_date_stability_compares_train_and_test_without_a_radio(app, lang):
    """Issue 13: the Stability "Compare" radio offered one option on a table without an origination date."""
    app.session_state["lang"] = lang
    app.session_state["table"] = "german_credit"
    app.run()
    assert not app.exception and not app.error
    assert "stab_kind" not in [radio.key for radio in app.radio]
    said = {
        "en": "Compare: train vs test (random). Earlier vs later origination needs a column with the role "
        "Origination date (Data page).",
        "zh": "比较方式：训练集与测试集（随机）。如需比较早期与近期发放，请在“数据”页面为一列设置“发放日期”角色。",
    }[lang]
    assert said in [caption.value for caption in app.caption]
    summary = next(d.value for d in app.dataframe if "csi" in d.value.columns)
    assert len(summary) == len(app.dataframe[0].value)  # every ranked factor's stability, train against test


def test_clear_messages_for_bad_setups(app, demo_db):
    con = _db(demo_db)
    con.execute(
        "UPDATE risklab_catalog.default_definitions SET params = ? WHERE table_name = 'sample_loans'",
        [json.dumps({"values": [7]})],
    )
    app.run()
    assert app.error[0].value.startswith("no defaults under this definition")
    con.execute("DELETE FROM risklab_catalog.default_definitions WHERE table_name = 'sample_loans'")
    app.run()
    assert app.error[0].value == (
        "table 'sample_loans' has no default definition yet: set one on the Data page (Default definition tab)"
    )
    app.session_state["lang"] = "zh"
    app.run()
    assert app.error[0].value.startswith("数据表 'sample_loans' 还没有违约定义")
    app.session_state["lang"] = "en"
    con.execute(
        "INSERT INTO risklab_catalog.default_definitions (table_name, kind, column_name, params) "
        "VALUES ('sample_loans', 'flag', 'default_flag', '{\"values\": [1]}')"
    )
    table_roles = datasets.saved_roles(con, "sample_loans")
    datasets.save_roles(
        con, "sample_loans", {c: "ignore" if r in datasets.CANDIDATE_ROLES else r for c, r in table_roles.items()}
    )
    app.run()
    assert app.error[0].value.startswith("table 'sample_loans' has no candidate factors")


def _frame_with(app, column):
    """The first table on the page with ``column``."""
    return next(frame.value for frame in app.dataframe if column in frame.value.columns)


def test_german_credit_ranks_term_and_amount_and_says_why_others_are_left_out(app):
    app.session_state["table"] = "german_credit"
    app.run()
    assert not app.exception and not app.error
    ranking = app.dataframe[0].value
    assert {"duration_months", "credit_amount"} <= set(ranking["factor"])
    assert "duration_months" in app.selectbox(key="bin_factor").options
    left_out = _frame_with(app, "reason")
    assert left_out.set_index("factor").loc["default", "reason"] == "holds or defines the outcome"
    assert app.expander[0].label == "Not candidate factors (1)"
    bars = [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]
    iv_chart = next(spec for spec in bars if spec.get("encoding", {}).get("x", {}).get("field") == "iv")
    assert iv_chart["encoding"]["y"]["field"] == "factor" and iv_chart["title"] == "Information value by factor"


def test_sba_city_is_skipped_with_a_note_and_the_rest_rank(app):
    app.session_state["table"] = "sba_loans"
    app.run()
    assert not app.exception and not app.error
    assert "City" not in set(app.dataframe[0].value["factor"]) and len(app.dataframe[0].value) >= 15
    reasons = _frame_with(app, "reason").set_index("factor")["reason"]
    assert reasons["City"] == "too many levels (519) for a categorical factor"
    assert reasons["ChgOffPrinGr"].startswith("leakage suspect")


def test_integer_codes_are_categories_until_switched_off(app):
    kinds = app.dataframe[0].value.set_index("factor")["kind"]
    assert kinds["household_size"] == "categorical"
    app.toggle(key="factors_codes").set_value(False).run()
    assert not app.exception and not app.error
    assert app.dataframe[0].value.set_index("factor").loc["household_size", "kind"] == "numeric"


def test_a_leak_is_suspicious_with_its_auc(app, demo_db):
    con = _db(demo_db)
    con.execute(
        "CREATE TABLE leaky AS SELECT i AS loan_id, CAST(hash(i) % 5 = 0 AS INTEGER) AS bad, "
        "(hash(i * 3) % 1000) / 10.0 AS age FROM range(3000) t(i)"
    )
    con.execute("ALTER TABLE leaky ADD COLUMN recovered DOUBLE")
    con.execute("UPDATE leaky SET recovered = bad * (100 + (hash(loan_id) % 50))")
    datasets.save_roles(con, "leaky", {"loan_id": "loan_id", "bad": "outcome", "age": "factor_numeric"})
    datasets.save_roles(con, "leaky", {**datasets.saved_roles(con, "leaky"), "recovered": "factor_numeric"})
    datasets.save_definition(con, "leaky", datasets.DefaultDefinition("flag", "bad", values=(1,)))
    app.session_state["table"] = "leaky"
    app.run()
    assert not app.exception and not app.error
    row = app.dataframe[0].value.set_index("factor").loc["recovered"]
    assert row["strength"] == "suspicious: check for leakage" and row["auc"] == pytest.approx(1.0)


def test_binning_table_ends_with_the_totals_row(app):
    app.selectbox(key="bin_factor").set_value("debt_ratio").run()
    table = _binning_table(app, totals=True)
    assert table["label"].iloc[-1] == "Total"
    inner = table.iloc[:-1]
    assert table["count"].iloc[-1] == inner["count"].sum()
    assert float(table["iv"].iloc[-1]) == pytest.approx(inner["iv"].astype(float).sum(), abs=1e-3)


def test_preselection_carries_the_kept_factors_to_the_model_page(app):
    selection = _frame_with(app, "top_share").set_index("factor")
    kept = [factor for factor, reason in selection["reason"].items() if reason == "kept"]
    assert 0 < len(kept) < len(selection)
    assert selection.loc["total_assets", "reason"].startswith("dropped: correlation")
    app.number_input(key="sel_corr").set_value(1.0).run()  # no correlation limit: more factors kept
    looser = _frame_with(app, "top_share").set_index("factor")
    assert (looser["reason"] == "kept").sum() > len(kept)
    app.number_input(key="sel_corr").set_value(0.7).run()
    app.button(key="sel_use").click().run()
    assert not app.exception
    assert app.session_state["model_factors"] == kept
    assert app.multiselect(key="factors_pick").value == kept
    assert app.success[0].value.startswith(f"The Model page now starts from the {len(kept)} kept factors")
    app.switch_page("pages/model.py").run()
    assert app.multiselect(key="model_pick").value == kept
