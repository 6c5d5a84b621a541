"""AppTest: the Model page in both languages; choosing factors, fitting, stepwise selection, saving and comparing."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from analytics import core, datasets, factors, model
from tests.conftest import PROJECT

PAGE = "pages/model.py"
PICKED = ["credit_rating", "debt_ratio", "annual_income"]


@pytest.fixture
def lang() -> str:
    return "en"


@pytest.fixture
def app(demo_db, monkeypatch, lang):
    monkeypatch.setenv("RISKLAB_DB", str(demo_db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.run()
    at.session_state["model_factors"] = PICKED  # as the Risk factors page leaves them
    at.session_state["lang"] = lang  # before the page draws its widgets (AppTest keeps their first labels)
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def _db(demo_db):
    """The app's own connection (it lives in this process), to read what the page saved."""
    from ui import database

    return database._database(str(demo_db)).cursor()


def fit(app) -> None:
    app.button(key="model_fit").click().run()
    assert not app.exception and not app.error


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_fit_in_both_languages(app, lang):
    assert app.title[0].value == {"en": "Model", "zh": "模型"}[lang]
    assert app.multiselect(key="model_pick").value == PICKED  # prefilled from the Risk factors page
    assert app.selectbox(key="model_treat_credit_rating").value == "categorical"
    assert app.selectbox(key="model_ref_credit_rating").value == "A"  # the first level in sorted order
    app.selectbox(key="model_treat_annual_income").set_value("log").run()
    app.selectbox(key="model_ref_credit_rating").set_value("AAA").run()
    fit(app)
    coefs = app.dataframe[0].value
    assert coefs["term"].tolist() == [
        {"en": "Intercept", "zh": "常数项"}[lang],  # not statsmodels' "const"
        "credit_rating[T.A]",
        "credit_rating[T.AA]",
        "credit_rating[T.B]",
        "credit_rating[T.C]",
        "debt_ratio",
        "log(annual_income)",
    ]
    assert coefs.set_index("term").loc["credit_rating[T.C]", "coef"] > 1  # C is the riskiest rating
    assert 0.65 < float(app.metric[8].value) < 0.85  # test AUC
    assert not app.warning
    fit_line = next(c.value for c in app.caption if "AIC" in c.value)
    assert "p < 0.0001" in fit_line and "p = <" not in fit_line  # the LR test's p-value read as a clause
    summary = app.dataframe[1].value
    assert summary["sample"].tolist() == {"en": ["train", "test"], "zh": ["训练集", "测试集"]}[lang]
    assert {"en": "Scorecard", "zh": "评分卡"}[lang] in [tab.label for tab in app.tabs]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_tiles_show_train_and_test_side_by_side(app, lang):
    """Issue 13: the tiles mixed training counts with the test AUC under bare labels. Each tile now names its
    sample, one row per sample, and each value is that sample's."""
    fit(app)
    labels = [m.label for m in app.metric]
    names = {
        "en": ["Loans", "Defaults", "AUC", "Gini", "KS", "McFadden R²"],
        "zh": ["贷款笔数", "违约笔数", "AUC", "基尼系数", "KS", "McFadden R²"],
    }[lang]
    train, test = {"en": (" (train)", " (test)"), "zh": ("（训练）", "（测试）")}[lang]
    expected = [name + train for name in names] + [name + test for name in names[:5]]
    assert labels == expected
    checks = app.session_state["model_fitted"].validation()
    values = [m.value for m in app.metric]
    for row, sample in ((0, "train"), (6, "test")):
        summary = checks[sample].summary()
        assert values[row] == text_figure(summary["n"], "count", lang)
        assert values[row + 2] == text_figure(summary["auc"], "statistic", lang)
    assert values[2] != values[8]  # the train and test AUC differ, so mixing them would show
    summary = app.dataframe[1].value
    assert summary["hosmer_lemeshow_df"].tolist() == [8, 10]
    note = {"en": "of the test sample", "zh": "来自测试集"}[lang]
    assert any(note in c.value for c in app.caption)


@pytest.mark.parametrize("lang", ["zh"])
def test_no_english_leftovers_in_chinese(app, lang):
    """Issue 13: "Choose options" placeholders and the term "const" were left in English on the Chinese pages."""
    fit(app)
    assert app.dataframe[0].value["term"].iloc[0] == "常数项"
    placeholders = {m.key: m.placeholder for m in app.multiselect}
    assert placeholders["model_compare"] == "请选择"
    assert "Choose options" not in placeholders.values()


def test_a_raw_amount_reads_per_ten_thousand_and_the_page_suggests_the_log(app):
    """Issue 13: annual_income as a raw number showed coefficient -0.000001537, odds ratio 1, CI 1."""
    assert app.selectbox(key="model_treat_annual_income").value == "numeric"
    fit(app)
    coefs = app.dataframe[0].value.set_index("term")
    unit = coefs.loc["annual_income", "per"]
    assert unit >= 1_000 and coefs.loc["debt_ratio", "per"] == 1
    assert coefs.loc["annual_income", "or_low"] < coefs.loc["annual_income", "or_high"]  # no longer 1 and 1
    note = next(c.value for c in app.caption if c.value.startswith("Odds ratios per unit of "))
    assert f"annual_income ({int(unit):,})" in note and "Log of the number" in note


def test_integer_codes_are_categorical_first_and_switchable(app, demo_db):
    """Issue 13: integer codes with few levels (SEX 1/2, EDUCATION 0-6) were offered as numbers on the Model
    page, while the Risk factors page bins them one bin per level. Integers with at most 12 distinct values start
    as categorical here too (the same ``factors.code_columns``); the user can switch them to a number."""
    loans = _db(demo_db).execute("SELECT household_size, prior_overdue_count FROM sample_loans WHERE booked").df()
    assert loans["household_size"].nunique() <= factors.MAX_CODE_LEVELS  # 2 to 9 people: a code
    app.multiselect(key="model_pick").set_value(["credit_rating", "household_size", "annual_income"]).run()
    assert not app.exception and not app.error
    treatment = app.selectbox(key="model_treat_household_size")
    assert treatment.value == "categorical" and treatment.options[:2] == ["Categories (dummies)", "Number as it is"]
    levels = sorted(loans["household_size"].unique())
    assert app.selectbox(key="model_ref_household_size").value == str(levels[0])
    assert app.selectbox(key="model_treat_annual_income").value == "numeric"  # many values: a number
    fit(app)
    terms = app.dataframe[0].value["term"].tolist()
    assert [t for t in terms if t.startswith("household_size")] == [f"household_size[T.{v}]" for v in levels[1:]]
    treatment.set_value("numeric").run()
    fit(app)
    assert "household_size" in app.dataframe[0].value["term"].tolist()
    app.session_state["table"] = "german_credit"  # German Credit's installment rate 1-4 is a code as well
    app.run()
    assert {"duration_months", "credit_amount"} <= set(app.multiselect(key="model_pick").options)  # term, amount
    app.multiselect(key="model_pick").set_value(["installment_rate", "duration_months"]).run()
    assert app.selectbox(key="model_treat_installment_rate").value == "categorical"
    assert app.selectbox(key="model_treat_duration_months").value == "numeric"


def text_figure(value, kind, lang):
    return core.format_value(value, kind, lang)


def test_choices_survive_a_page_switch_and_changes_mark_the_fit_stale(app):
    app.selectbox(key="model_treat_annual_income").set_value("log").run()
    app.radio(key="model_holdout").set_value("time").run()
    fit(app)
    assert app.dataframe[1].value["n"].sum() == app.dataframe[1].value["n"].sum()
    app.switch_page("pages/home.py").run()
    app.switch_page(PAGE).run()
    assert app.selectbox(key="model_treat_annual_income").value == "log"
    assert app.radio(key="model_holdout").value == "time"
    assert not app.info  # the fit shown is still the one of these choices
    app.radio(key="model_holdout").set_value("none").run()
    assert app.info[0].value.startswith("The choices above changed since this fit")


def test_woe_treatment_and_clear_errors(app, demo_db):
    con = _db(demo_db)
    pop = factors.population(datasets.table_context(con, "sample_loans"))
    factors.save_binning(con, "sample_loans", factors.optimal_spec(con, pop, "debt_ratio", "numeric"), "debt bins")
    app.run()
    assert app.selectbox(key="model_treat_debt_ratio").options[-1] == "WOE of a saved binning"
    app.selectbox(key="model_treat_debt_ratio").set_value("woe").run()
    assert app.selectbox(key="model_bin_debt_ratio").value == "debt bins"
    app.selectbox(key="model_treat_annual_income").set_value("categorical").run()
    app.button(key="model_fit").click().run()
    assert app.error[0].value.startswith("annual_income has ") and "levels (more than 100)" in app.error[0].value
    app.selectbox(key="model_treat_annual_income").set_value("numeric").run()
    fit(app)
    assert "woe(debt_ratio)" in app.dataframe[0].value["term"].tolist()
    app.multiselect(key="model_pick").set_value(["credit_rating", "debt_ratio"]).run()
    fit(app)  # every factor categorical or binned: the fit runs on aggregated cells
    cells = app.session_state["model_fitted"].fit_stats()["cells"]  # ratings x debt bins seen in training
    assert 5 < cells <= 5 * 20
    assert any(f"; fitted on {cells} aggregated cells (exactly the loan-level fit)." in c.value for c in app.caption)


def test_stepwise_and_using_its_choice(app):
    # household size has no effect of its own (data/README.md): without household labour in the model it stands in
    # for it (statsmodels on the booked loans: p = 0.010), with it it does not (p = 0.90), so backward drops it
    chosen = ["credit_rating", "debt_ratio", "household_labour"]
    app.multiselect(key="model_pick").set_value([*chosen, "household_size"]).run()
    fit(app)
    app.radio(key="model_sw_direction").set_value("backward").run()
    app.button(key="model_sw_run").click().run()
    assert not app.exception and not app.error
    log = next(d.value for d in app.dataframe if "action" in d.value.columns)
    assert log["action"].tolist()[0] == "start" and log["factor"].tolist()[1] == "household_size"
    assert any(c.value.startswith("Selected: credit_rating, debt_ratio, household_labour (") for c in app.caption)
    app.button(key="model_sw_use").click().run()
    assert app.multiselect(key="model_pick").value == chosen
    assert app.session_state["model_factors"] == chosen


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_save_compare_and_delete(app, demo_db, lang):
    fit(app)
    app.number_input(key="model_pdo").set_value(40.0).run()
    card = next(d.value for d in app.dataframe if "points" in d.value.columns)
    assert card["factor"].iloc[0] == {"en": "Base points", "zh": "基础分"}[lang]
    app.text_input(key="model_name").set_value("rating model").run()
    app.button(key="model_save").click().run()
    app.button(key="model_save").click().run()
    assert not app.exception
    assert (
        app.success[0].value
        == {"en": "Model 'rating model' saved as version 2.", "zh": "模型 'rating model' 已保存为第 2 版。"}[lang]
    )
    con = _db(demo_db)
    saved = model.load_model(con, "rating model")
    assert (saved.version, saved.scaling.pdo) == (2, 40.0)
    app.multiselect(key="model_compare").set_value(["rating model v2", "rating model v1"]).run()
    assert not app.error
    compared = next(
        d.value for d in app.dataframe if "rating model v1" in d.value.columns and "term" in d.value.columns
    )
    assert (compared["rating model v1"] == compared["rating model v2"]).all()
    app.selectbox(key="model_delete_pick").set_value("rating model v1").run()
    app.button(key="model_delete").click().run()
    listed = model.list_models(con)
    assert listed.loc[listed["name"] == "rating model", "version"].tolist() == [2]
    app.text_input(key="model_name").set_value(" ").run()
    app.button(key="model_save").click().run()
    assert (
        app.error[0].value
        == {"en": "give the model a name of 1 to 60 characters", "zh": "请为模型取一个 1 到 60 个字符的名称"}[lang]
    )


def test_the_save_as_box_is_not_the_model_picker(app, demo_db, widget_warnings):
    """Issue 12: the "save as" box and the model picker of the pages that score loans shared a session key. After
    a visit to Expert vs model the box held the other model's name, and Save added a version to that model."""
    fit(app)
    app.text_input(key="model_name").set_value("rating model").run()
    app.switch_page("pages/expert_vs_model.py").run()
    assert not app.exception
    assert app.selectbox(key="ev_model").value == "sample scorecard"  # the demo's model, picked there
    assert "model_name" not in app.session_state  # Streamlit forgot the box, as a browser does
    app.switch_page(PAGE).run()
    assert not app.exception
    assert app.text_input(key="model_name").value == "rating model"
    app.button(key="model_save").click().run()
    assert app.success[0].value == "Model 'rating model' saved as version 1."
    listed = model.list_models(_db(demo_db))
    assert listed.loc[listed["name"] == "rating model", "version"].tolist() == [1]
    assert listed.loc[listed["name"] == "sample scorecard", "version"].tolist() == [1]  # untouched
    assert [w for w in widget_warnings if "Session State API" in w] == []  # no widget gets two values


# --- identity in the exports, and a saved version opened without refitting (issue 14) ---------------------------


@pytest.fixture
def downloads(monkeypatch):
    """What the page's download buttons offer, by file name (data, or the callable Streamlit calls on a click)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    found = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def keep(self, data, mimetype, coordinates, file_name=None, **kwargs):
        found[file_name] = data
        return add(self, data, mimetype, coordinates, file_name, **kwargs)

    def keep_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        found[file_name] = data_callable
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", keep)
    monkeypatch.setattr(MediaFileManager, "add_deferred", keep_deferred)
    return found


def _text(data) -> str:
    data = data() if callable(data) else data
    return data.decode("utf-8-sig") if isinstance(data, bytes) else data


def test_after_a_save_the_exports_are_the_saved_version(app, demo_db, downloads):
    import io
    import json

    import openpyxl

    fit(app)
    unsaved = json.loads(_text(downloads["sample_loans unsaved model.json"]))
    assert (unsaved["saved"], unsaved["name"], unsaved["version"]) == (False, None, None)
    assert unsaved["identity"].startswith("Not saved: a model fitted in this session on table sample_loans")
    assert _text(downloads["sample_loans unsaved model.sql"]).startswith("-- Not saved: ")
    app.text_input(key="model_name").set_value("six factors").run()
    app.button(key="model_save").click().run()
    assert app.success[0].value == "Model 'six factors' saved as version 1."
    created, fingerprint = (
        _db(demo_db)
        .execute("SELECT created_at, fingerprint FROM risklab_catalog.models WHERE name = 'six factors'")
        .fetchone()
    )
    exported = json.loads(_text(downloads["six factors v1 model.json"]))
    assert (exported["saved"], exported["name"], exported["version"]) == (True, "six factors", 1)
    assert (exported["created_at"], exported["fingerprint"]) == (created.isoformat(), fingerprint)
    sql = _text(downloads["six factors v1 model.sql"])
    assert sql.startswith("-- Model 'six factors' version 1, saved ") and "version 0" not in sql
    assert _text(downloads["six factors v1 scorecard.csv"]).startswith("# Model 'six factors' version 1, saved ")
    book = openpyxl.load_workbook(io.BytesIO(downloads["six factors v1 scorecard.xlsx"]()))
    assert (book["Scorecard"]["B1"].value, book["Scorecard"]["B2"].value) == ("six factors", 1)
    captions = [c.value for c in app.caption]  # the export tab says it too, above its SQL's help
    sql_help = captions.index(core.t("model.sql_help"))
    assert captions[sql_help - 1].startswith("Model 'six factors' version 1, saved ")
    app.number_input(key="model_pdo").set_value(40.0).run()  # a scaling not saved: the exports are unsaved again
    assert "sample_loans unsaved model.json" in downloads
    assert json.loads(_text(downloads["sample_loans unsaved model.json"]))["scaling"]["pdo"] == 40.0


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_open_a_saved_version_in_a_fresh_session_without_a_fit(demo_db, monkeypatch, lang, downloads):
    """Issue 14: the Model page was blank although "sample scorecard" existed; a saved version now opens with its
    coefficients, validation, scorecard and exports, and nothing is refitted."""
    monkeypatch.setenv("RISKLAB_DB", str(demo_db))
    con = _db(demo_db)
    first = model.load_model(con, "sample scorecard")
    model.save_version(con, first, "a second version")
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception and not at.dataframe  # nothing fitted, nothing shown yet
    fits = []
    monkeypatch.setattr(model, "fit_model", lambda *args, **kwargs: fits.append(args))
    assert at.selectbox(key="model_open_name").value == "sample scorecard"
    assert at.selectbox(key="model_open_version_sample scorecard").options == ["2", "1"]
    at.selectbox(key="model_open_version_sample scorecard").set_value(1).run()
    at.button(key="model_open").click().run()
    assert not at.exception and not at.error and fits == []
    assert at.info[0].value.startswith(
        {"en": "A saved version, opened without refitting. Model 'sample scorecard' version 1, saved ", "zh": "已保存"}[
            lang
        ]
    )
    coefs = at.dataframe[0].value.set_index("term")
    assert coefs["coef"].drop(index=coefs.index[0]).to_dict() == pytest.approx(
        {k: v for k, v in first.params.items() if k != "const"}
    )
    assert coefs["se"].notna().all()
    auc_test = float(at.metric[8].value)
    assert auc_test == pytest.approx(first.metrics["test"]["auc"], abs=5e-5)  # the tile rounds to 4 decimals
    card = next(d.value for d in at.dataframe if "points_rounded" in d.value.columns)
    assert card["points_rounded"].iloc[0] == f"{first.base_points:.0f}"  # tables show text as formatted
    labels = [tab.label for tab in at.tabs]
    assert {"en": "Stepwise selection", "zh": "逐步回归"}[lang] not in labels  # selection needs a fit
    exported = json.loads(_text(downloads["sample scorecard v1 model.json"]))
    assert (exported["name"], exported["version"]) == ("sample scorecard", 1)
    at.multiselect(key="model_pick").set_value(["credit_rating"]).run()
    at.button(key="model_fit").click().run()  # a new fit replaces the opened version
    assert not at.exception and len(fits) == 1 and not at.info
