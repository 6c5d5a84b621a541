"""AppTest: the What-if page in both languages; moving factors and the cutoff, coming back to it, the quiz."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT

WHATIF_PAGE = "pages/what_if.py"


def open_page(db, monkeypatch, page: str = WHATIF_PAGE, lang: str = "en") -> AppTest:
    monkeypatch.setenv("RISKLAB_DB", str(db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def ok(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def as_shown(element) -> pd.DataFrame:
    """A table as the user reads it: its values as shown, its headers the labels of its column config."""
    config = json.loads(element.proto.columns or "{}")
    frame = element.value
    return frame.rename(columns={c: config.get(c, {}).get("label", c) for c in frame.columns})


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_what_if_page_runs_in_both_languages(model_db, monkeypatch, lang):
    at = open_page(model_db, monkeypatch, lang=lang)
    ok(at)
    assert at.title[0].value == {"en": "What-if and training", "zh": "情景分析与培训"}[lang]
    assert len(at.metric) == 5
    assert [t.label for t in at.tabs] == {"en": ["What-if", "Quiz"], "zh": ["情景分析", "测验"]}[lang]


def test_moving_a_factor_and_the_cutoff(model_db, monkeypatch):
    at = open_page(model_db, monkeypatch)
    at.text_input(key="wi_loan").input("L0034265").run()  # rated C, approved by its officer, PD 51.9% as rated
    ok(at)
    assert at.slider(key="wi_f_debt_ratio").value == pytest.approx(0.602)
    assert at.selectbox(key="wi_f_credit_rating").value == "C"
    pd_before = float(at.metric[0].value[:-1])
    assert at.metric[4].value == "Approve"  # the officer's recorded decision on this unchanged loan
    at.selectbox(key="wi_f_credit_rating").set_value("AAA").run()
    ok(at)
    assert float(at.metric[0].value[:-1]) < pd_before
    assert at.metric[4].value == "–"  # a changed applicant was never seen by the officer
    assert any(c.value.startswith("The officer decided on the recorded application") for c in at.caption)
    at.slider(key="wi_cutoff").set_value(0.5).run()
    ok(at)
    assert at.metric[3].value == "Approve" and at.session_state["cutoff_pd"] == 0.5
    assert any(m.value.startswith("Smallest change: ") for m in at.markdown)


def test_the_cutoff_and_the_flips_read_as_percentages(model_db, monkeypatch):
    """The cutoff slider shows a PD as a percentage (its value stays the PD), the flip table and the flip
    sentence write PDs as the tiles do (31.17%, not 0.3117), factor values as the sliders write them."""
    at = open_page(model_db, monkeypatch)
    at.text_input(key="wi_loan").input("L0008556").run()
    ok(at)
    cutoff = at.slider(key="wi_cutoff")
    assert cutoff.value == pytest.approx(0.15) and cutoff.proto.format == "percent"
    assert at.slider(key="wi_f_annual_income").proto.format == "localized"
    flips = as_shown(next(d for d in at.dataframe if "new_pd" in d.value.columns))
    assert flips.columns.tolist() == [
        "Factor",
        "Now",
        "Flips at",
        "Direction",
        "New PD",
        "Size of change",
        "New decision",
    ]
    config = json.loads(next(d for d in at.dataframe if "new_pd" in d.value.columns).proto.columns)
    assert config["new_pd"]["type_config"]["format"] == "%.2f%%"
    assert config["distance"]["type_config"]["format"] == "%.2f%%"  # the share of applicants the change passes
    assert (flips["New PD"] > 1).all()  # shown times 100: 31.17, not 0.3117
    assert (flips["Direction"].isin(["at most", "at least", "change to"])).all()
    income = flips.set_index("Factor").loc["Annual income", "Flips at"]  # the sample's display name
    assert "," in income and not income.endswith(".0")  # 45,000, not 45000.0
    sentence = next(m.value for m in at.markdown if m.value.startswith("Smallest change: "))
    first = flips.iloc[0]
    assert sentence.endswith(f"(PD {first['New PD']:.2f}%).") and f"**{first['Flips at']}**" in sentence


def test_factors_keep_their_values_after_leaving_the_page(model_db, monkeypatch, widget_warnings):
    """Issue 12: after leaving What-if and coming back, every slider sat at its minimum while the caption
    still said "the typical applicant", and the PD changed with it. The page keeps its factors."""
    at = open_page(model_db, monkeypatch)
    at.radio(key="wi_start").set_value("typical").run()
    ok(at)
    typical_pd = at.metric[0].value
    assert at.slider(key="wi_f_annual_income").value > at.slider(key="wi_f_annual_income").min
    at.slider(key="wi_f_debt_ratio").set_value(0.5).run()
    moved_pd = at.metric[0].value
    assert moved_pd != typical_pd
    income = at.slider(key="wi_f_annual_income").value
    at.switch_page("pages/home.py").run()
    assert "wi_f_debt_ratio" not in at.session_state  # Streamlit forgot the widget, as a browser does
    at.switch_page(WHATIF_PAGE).run()
    ok(at)
    assert at.radio(key="wi_start").value == "typical"
    assert at.slider(key="wi_f_debt_ratio").value == pytest.approx(0.5)
    assert at.slider(key="wi_f_annual_income").value == pytest.approx(income)
    assert at.metric[0].value == moved_pd
    assert [w for w in widget_warnings if "Session State API" in w] == []  # no widget gets two values


def test_the_cutoff_follows_the_expert_page(model_db, monkeypatch):
    """The PD cutoff is one value for both pages: moved on Expert vs model, What-if starts from it."""
    at = open_page(model_db, monkeypatch)
    at.slider(key="wi_cutoff").set_value(0.3).run()
    assert at.session_state["cutoff_pd"] == 0.3
    at.switch_page("pages/expert_vs_model.py").run()
    at.session_state["cutoff_pd"] = 0.25  # as the Expert vs model page's cutoff slider leaves it
    at.switch_page(WHATIF_PAGE).run()
    ok(at)
    assert at.slider(key="wi_cutoff").value == pytest.approx(0.25)


def test_quiz_tally(model_db, monkeypatch):
    at = open_page(model_db, monkeypatch)
    at.button(key="quiz_approve").click().run()
    ok(at)
    assert at.session_state["quiz_revealed"] and len(at.session_state["quiz_answers"]) == 1
    assert any(m.value.startswith("Model: PD ") for m in at.markdown)
    at.button(key="quiz_next").click().run()
    at.button(key="quiz_reject").click().run()
    ok(at)
    answers = at.session_state["quiz_answers"]
    assert [a["trainee_reject"] for a in answers] == [False, True] and answers[0]["loan_id"] != answers[1]["loan_id"]
    tally = as_shown(at.dataframe[-1])
    assert tally["Answered"].tolist() == [2, 2]
    assert tally["Accuracy"].tolist() == [50 * c for c in tally["Correct"]]  # percent of the two answered
    assert at.get("download_button")
    at.button(key="quiz_restart").click().run()
    assert at.session_state["quiz_answers"] == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_suggestions_stay_inside_the_sliders_and_a_combination_is_offered(model_db, monkeypatch, lang):
    """Issue 13: "prior_overdue_count at least 5 would Reject" sat outside its 0-4 slider. Every suggested value
    (single flips and the smallest change over up to three factors) lies inside the slider the page shows."""
    at = open_page(model_db, monkeypatch, lang=lang)
    at.text_input(key="wi_loan").input("L0000002").run()
    for cutoff in (0.02, 0.05, 0.3):
        at.slider(key="wi_cutoff").set_value(cutoff).run()
        ok(at)
        sliders = {s.key: s for s in at.slider}
        tables = [d.value for d in at.dataframe if "new_value" in d.value.columns]
        assert len(tables) == 2  # the single flips, then the combinations
        for frame in tables:
            for row in frame.itertuples():
                slider = sliders.get(f"wi_f_{row.factor}")
                if slider is not None:  # a numeric factor: its value as shown, read back as a number
                    value = float(str(row.new_value).replace(",", ""))
                    assert slider.min <= value <= slider.max, (cutoff, row.factor, value, slider.min, slider.max)
        combinations = tables[1]
        assert set(combinations["factors_changed"]) <= {1, 2, 3}
    sentence = {"en": "Smallest change over up to 3 factors: ", "zh": "最多 3 个因子的最小组合改变："}[lang]
    assert any(m.value.startswith(sentence) for m in at.markdown)
