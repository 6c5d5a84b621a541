"""AppTest: the Expert vs model and What-if pages in both languages; cutoff, rule editing, what-if and the quiz."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import core, datasets, decisions, model
from tests.conftest import PROJECT

EXPERT_PAGE = "pages/expert_vs_model.py"
WHATIF_PAGE = "pages/what_if.py"


def open_page(db, monkeypatch, page: str, lang: str = "en") -> AppTest:
    monkeypatch.setenv("RISKLAB_DB", str(db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _db(db):
    """The app's own connection (it lives in this process), to read what the page saved."""
    from ui import database

    return database._database(str(db)).cursor()


def ok(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def labelled(table) -> pd.DataFrame:
    """A table element's frame under the headers the user reads (``st.dataframe`` keeps the frame's column names
    and labels them in ``column_config``)."""
    config = json.loads(table.proto.columns)
    return table.value.rename(
        columns={c: config[c]["label"] for c in table.value.columns if "label" in config.get(c, {})}
    )


def formats(table) -> dict[str, str | None]:
    """Each column's number format in a table element (None for text)."""
    config = json.loads(table.proto.columns)
    return {c: config[c]["type_config"].get("format") for c in table.value.columns}


def click_curve(at: AppTest, cutoff: float) -> AppTest:
    """What the browser sends when a point of the strategy curve is clicked: the chart's selection ``pick``.
    (AppTest has no API for chart selections: the run gets the chart's widget state along with the others.)"""
    chart = next(e for e in at.get("vega_lite_chart") if e.key == "ev_curve")
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = chart.proto.id
    state.string_value = json.dumps({"selection": {"pick": [{"cutoff": cutoff}]}})
    return at._run(states)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_expert_page_runs_in_both_languages(model_db, monkeypatch, lang):
    at = open_page(model_db, monkeypatch, EXPERT_PAGE, lang)
    ok(at)
    assert at.title[0].value == {"en": "Expert vs model", "zh": "专家与模型对比"}[lang]
    assert [m.value for m in at.markdown[:3]] == {
        "en": ["**Expert vs outcome**", "**Model vs outcome**", "**Expert vs model**"],
        "zh": ["**专家决策 vs 实际结果**", "**模型决策 vs 实际结果**", "**专家 vs 模型**"],
    }[lang]
    assert at.radio(key="ev_outcome").value == "simulated"  # the view with both decisions
    metrics = labelled(at.dataframe[0])
    assert (
        len(metrics) == 13
        and list(metrics.columns)
        == {
            "en": ["Metric", "Expert", "Model"],
            "zh": ["指标", "专家", "模型"],
        }[lang]
    )
    assert at.session_state["cutoff_pd"] == 0.15


def matrix_axes(at: AppTest) -> list[str]:
    """The row-axis titles of the page's confusion matrices (the outcome in use, or the expert)."""
    titles = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        layers = spec.get("layer") or [spec]
        y = layers[0].get("encoding", {}).get("y", {})
        if y.get("field") == "actual_label":
            titles.append(y["title"])
    return titles


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_opens_on_both_decisions_and_names_the_outcome_in_use(model_db, monkeypatch, lang):
    """Issue 13: the page opened on booked loans, where the expert approved everyone (23,772 (100.0%) | 0 (0.0%)),
    and the axis said "Actual outcome" even with the simulated outcome chosen."""
    at = open_page(model_db, monkeypatch, EXPERT_PAGE, lang)
    ok(at)
    assert at.radio(key="ev_outcome").value == "simulated"
    simulated, actual = {"en": ("Simulated outcome", "Actual outcome"), "zh": ("模拟结果", "实际结果")}[lang]
    expert = {"en": "Expert", "zh": "专家"}[lang]
    assert matrix_axes(at) == [simulated, simulated, expert]  # expert vs outcome, model vs outcome, agreement
    metrics = labelled(at.dataframe[0]).set_index(labelled(at.dataframe[0]).columns[0])
    approval = metrics.iloc[:, 0][core.t("column.approval_rate", lang)]  # the expert's approval rate
    assert float(approval[:-1]) < 100  # the expert's rejections are judged too, not 100% approved
    assert any(c.value.startswith({"en": "Judged on the simulated", "zh": "按模拟结果评判"}[lang]) for c in at.caption)
    assert not at.info
    at.radio(key="ev_outcome").set_value("actual").run()
    ok(at)
    assert matrix_axes(at) == [actual, actual, expert]
    why = {"en": "Rejected applicants were never booked", "zh": "被拒绝的申请从未放款"}[lang]
    assert at.info and at.info[0].value.startswith(why)  # why the booked-only expert matrix is one-sided


def test_changing_the_cutoff_updates_matrices_and_metrics(model_db, monkeypatch):
    at = open_page(model_db, monkeypatch, EXPERT_PAGE)
    before = labelled(at.dataframe[0]).set_index("Metric")["Model"]["Approval rate"]
    at.slider(key="ev_cut_pd").set_value(0.3).run()
    ok(at)
    after = labelled(at.dataframe[0]).set_index("Metric")["Model"]["Approval rate"]
    assert at.session_state["cutoff_pd"] == 0.3 and float(after[:-1]) > float(before[:-1])
    assert at.caption[0].value.startswith("Cutoff PD 30.00%")  # a PD as the registry writes it
    at.radio(key="ev_cut_kind").set_value("approval_rate").run()
    at.slider(key="ev_cut_rate").set_value(0.6).run()
    ok(at)
    rate = labelled(at.dataframe[0]).set_index("Metric")["Model"]["Approval rate of all applications"]
    assert abs(float(rate[:-1]) - 60) < 0.2


def test_a_click_on_the_strategy_curve_moves_the_cutoff(model_db, monkeypatch, widget_warnings):
    """The curve's selection sets the PD cutoff slider through session.set_widget: the slider has no value= of
    its own, so Streamlit logs no "created with a default value but also had its value set" warning."""
    at = open_page(model_db, monkeypatch, EXPERT_PAGE)
    at.radio(key="ev_cut_kind").set_value("approval_rate").run()
    click_curve(at, 0.2504)
    ok(at)
    assert at.radio(key="ev_cut_kind").value == "pd"  # a picked point is a PD cutoff
    assert at.slider(key="ev_cut_pd").value == 0.25 and at.session_state["cutoff_pd"] == 0.25
    assert at.caption[0].value.startswith("Cutoff PD 25.00%")
    at.slider(key="ev_cut_pd").set_value(0.3).run()  # the slider still moves by hand
    assert at.session_state["cutoff_pd"] == 0.3
    at.switch_page("pages/home.py").run()
    for key in ("ev_cut_pd", "ev_cut_kind", "ev_kind", "ev_outcome"):
        if key in at.session_state:
            del at.session_state[key]  # what the browser does with the widgets of a page it left
    at.switch_page(EXPERT_PAGE).run()  # coming back: the surviving widgets are restored, the cutoff kept
    ok(at)
    assert at.slider(key="ev_cut_pd").value == 0.3
    assert [w for w in widget_warnings if "Session State API" in w] == []


def test_simulated_outcome_judges_the_expert_too(model_db, monkeypatch):
    at = open_page(model_db, monkeypatch, EXPERT_PAGE)
    at.radio(key="ev_outcome").set_value("simulated").run()
    ok(at)
    assert not at.info
    assert any("fewer defaults" in m.value or "more defaults" in m.value for m in at.markdown)
    metrics = labelled(at.dataframe[0]).set_index("Metric")
    assert metrics["Expert"]["Loans with a known outcome"] == "36,000"


def test_edit_and_save_a_rule_set(model_db, monkeypatch):
    at = open_page(model_db, monkeypatch, EXPERT_PAGE)
    at.radio(key="ev_kind").set_value("rules").run()
    ok(at)
    starter = at.session_state["ev_draft"]
    at.selectbox(key="ev_add_join").set_value("or")
    at.selectbox(key="ev_add_column").set_value("prior_overdue_count")
    at.selectbox(key="ev_add_op").set_value(">=")
    at.text_input(key="ev_add_value").input("4")
    at.button(key="ev_add").click().run()
    ok(at)
    draft = at.session_state["ev_draft"]
    assert draft.knockouts == (*starter.knockouts, decisions.Condition("prior_overdue_count", ">=", "4", "or"))
    at.text_input(key="ev_rules_name").input("Branch rules")
    at.button(key="ev_save").click().run()
    ok(at)
    assert at.success[0].value == "Saved rule set 'Branch rules' as version 1."
    assert at.selectbox(key="ev_rules_choice").value == "Branch rules"
    saved = decisions.load_rule_set(_db(model_db), "Branch rules")
    assert saved.version == 1 and saved.source == draft
    ver = at.session_state["ev_ver"]
    at.number_input(key=f"ev_threshold_{ver}").set_value(70).run()
    at.button(key="ev_save").click().run()
    ok(at)
    assert decisions.load_rule_set(_db(model_db), "Branch rules").version == 2
    assert decisions.load_rule_set(_db(model_db), "Branch rules").source.threshold == 70
    assert decisions.load_rule_set(_db(model_db), "Branch rules", 1).source.threshold == draft.threshold
    assert isinstance(at.session_state["expert_source"], decisions.RuleSet)


def test_a_bad_rule_shows_the_message_and_nothing_is_saved(model_db, monkeypatch):
    at = open_page(model_db, monkeypatch, EXPERT_PAGE)
    at.radio(key="ev_kind").set_value("rules").run()
    at.selectbox(key="ev_add_column").set_value("guarantee_method")
    at.selectbox(key="ev_add_op").set_value(">")
    at.text_input(key="ev_add_value").input("none")
    at.button(key="ev_add").click().run()
    assert not at.exception
    assert at.error[0].value == "'>' compares numbers or dates, but guarantee_method is text: use =, !=, in or not in."
    assert decisions.list_rule_sets(_db(model_db)).empty


def test_officer_consistency_and_disagreements_lead_to_what_if(model_db, monkeypatch):
    at = open_page(model_db, monkeypatch, EXPERT_PAGE)
    officers = labelled(at.dataframe[2])
    assert len(officers) == 18 and "Leniency" in officers.columns
    at.radio(key="ev_by").set_value("branch").run()
    ok(at)
    assert len(at.dataframe[2].value) == 5
    disagreements = labelled(at.dataframe[1])
    assert {"Loan", "PD", "Reason 1", "Points lost (1)", "Reason 3", "debt_ratio"} <= set(disagreements.columns)
    loan = at.selectbox(key="ev_pick_loan").value
    at.button(key="ev_to_whatif").click().run()
    ok(at)
    assert at.title[0].value == "What-if and training"
    assert at.text_input(key="wi_loan").value == loan


def test_the_officer_table_writes_every_rate_alike(model_db, monkeypatch):
    """Bad rates, override rates, agreement and leniency are all shares: percentages with two decimals (the bad
    rate of overridden loans was 0.0747 next to 76.10%), and no header is cut."""
    at = open_page(model_db, monkeypatch, EXPERT_PAGE)
    table = at.dataframe[2]
    shares = ["approval_rate", "model_approval_rate", "bad_rate_approved", "agreement", "low_side_override_rate"]
    shares += ["high_side_override_rate", "bad_rate_overridden", "override_rate", "leniency"]
    assert {c: formats(table)[c] for c in shares} == dict.fromkeys(shares, "%.2f%%")
    con = _db(model_db)
    shown = table.value.set_index("name")
    setup = decisions.Setup.from_model(
        datasets.table_context(con, "sample_loans"),
        model.load_model(con, "Sample logit"),
        at.session_state["expert_source"],
        outcome="simulated",  # the page opens on the simulated outcome of the sample
    )
    frame = decisions.officer_consistency(con, setup, at.session_state["cutoff_pd"]).set_index("name")
    for column in shares:  # the same numbers, shown times 100
        assert (shown[column] - frame[column] * 100).abs().max() < 1e-9
    config = json.loads(table.proto.columns)
    assert config["high_side_override_rate"]["label"] == "High-side overrides"
    assert all(config[c]["width"] >= 8 * len(config[c]["label"]) + 16 for c in table.value.columns)


def test_every_translated_name_exists_in_both_languages():
    """Keys the pages build from registries (metrics, cells, columns, directions) exist in English and Chinese."""
    from analytics import core, decisions
    from analytics.core import TEXT

    keys = [core.column(m).label_key for m in decisions.METRIC_KINDS]  # the metrics: registry columns
    keys += [f"decisions.cell.{c}" for c in decisions.CELLS]
    keys += [f"decisions.outcome.{o}" for o in decisions.OUTCOMES]
    keys += [f"role.{r}" for r in decisions.FILTER_ROLES]
    keys += [core.column(k).label_key for k in ("pd", "score", "approval_rate")]  # the cutoff kinds
    keys += [f"decisions.label.{v}" for v in ("good", "default", "approve", "reject")]
    # table and rule-editor headers: the column registry's labels
    officer_columns = ["leniency_rank", "name", "applications", "approval_rate", "model_approval_rate"]
    officer_columns += ["bad_rate_approved", "agreement", "low_side_override_rate", "high_side_override_rate"]
    officer_columns += ["bad_rate_overridden", "override_rate", "leniency", "flag", "metric"]
    headers = [
        *officer_columns,
        "expert",
        "model",
        "loan_id",
        "officer",
        "branch",
        "pd",
        "outcome",
        *model.reason_columns(),
    ]
    headers += [*decisions.KNOCKOUT_COLUMNS, *decisions.POINTS_COLUMNS, *decisions.GRADE_COLUMNS]
    keys += [core.column(c).label_key for c in headers]
    keys += [f"expert.kind.{k}" for k in ("recorded", "rules")]
    keys += [f"whatif.expert_is.{k}" for k in ("recorded", "score", "rules", "none")]
    keys += [f"whatif.flip.{d}" for d in ("at_most", "at_least", "level")]
    keys += [f"whatif.direction.{d}" for d in ("at_most", "at_least", "level")]
    contribution_columns = ["factor", "value", "reference", "contribution", "points"]
    flip_columns = ["current", "new_value", "direction", "new_pd", "distance", "decision"]
    tally_columns = list(decisions.quiz_tally([]).columns)
    keys += [core.column(c).label_key for c in [*contribution_columns, *flip_columns, *tally_columns]]
    keys += ["whatif.you", core.column("model").label_key] + [f"whatif.quiz_help.{o}" for o in decisions.OUTCOMES]
    missing = [k for k in keys if not (TEXT.get(k, {}).get("en") and TEXT.get(k, {}).get("zh"))]
    assert missing == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pricing_tab_shows_the_break_even_rates_of_each_grade(model_db, monkeypatch, lang):
    from analytics import provisions

    at = open_page(model_db, monkeypatch, EXPERT_PAGE, lang)
    ok(at)
    con = _db(model_db)
    saved = model.load_model(con, at.selectbox(key="ev_model").value)
    ctx = datasets.table_context(con, saved.spec.table)
    expected = provisions.pricing(con, ctx, saved, provisions.Costs(), provisions.load_settings(con), cutoff=0.15)
    table = next(t for t in at.dataframe if "break_even_rate" in t.value.columns)
    shown = table.value.set_index("grade")["break_even_rate"]  # shares shown times 100
    assert shown.tolist() == pytest.approx((expected.by_band["break_even_rate"] * 100).tolist())
    assert {"en": "Break-even rate", "zh": "保本利率"}[lang] in labelled(table).columns
    at.number_input(key="ev_price_cost_admin").set_value(10.0).run()
    ok(at)
    raised = next(t for t in at.dataframe if "break_even_rate" in t.value.columns).value["break_even_rate"]
    assert (raised.to_numpy() > shown.to_numpy()).all()
    at.radio(key="ev_price_by").set_value("score").run()
    ok(at)
    assert any("score_band" in t.value.columns for t in at.dataframe)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_disagreements_carry_reason_codes(model_db, monkeypatch, lang):
    """Issue 14: each disagreeing loan names the three factors that cost it the most points against their best
    attribute, with the points lost, as batch scoring does."""
    at = open_page(model_db, monkeypatch, EXPERT_PAGE, lang)
    ok(at)
    table = at.dataframe[1]
    shown = table.value
    assert len(shown) > 0
    headers = labelled(table).columns
    assert {"en": "Reason 1", "zh": "原因一"}[lang] in headers
    assert {"en": "Points lost (3)", "zh": "损失分数（三）"}[lang] in headers
    con = _db(model_db)
    saved = model.load_model(con, "Sample logit")
    ids = shown["loan_id"].tolist()
    loans = (
        con.execute(f"SELECT * FROM sample_loans WHERE loan_id IN ({', '.join('?' * len(ids))})", ids)
        .df()
        .set_index("loan_id")
        .loc[ids]
        .reset_index()
    )
    expected = model.reason_codes(saved, loans, model.best_points(saved, model.value_ranges(con, saved)))
    for column in ("reason_1", "reason_2", "reason_3"):
        assert shown[column].fillna("").tolist() == expected[column].fillna("").tolist()
    assert shown["reason_1_points"].tolist() == expected["reason_1_points"].tolist()
    assert (shown["reason_1_points"] >= shown["reason_2_points"].fillna(0)).all()
    assert any(c.value.startswith({"en": "Reason codes: ", "zh": "原因代码："}[lang]) for c in at.caption)
