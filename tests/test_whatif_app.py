"""AppTest: the What-if page in both languages; moving factors and the cutoff, coming back to it, the quiz."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from analytics import model, store
from analytics.sample import SAMPLE_LABELS
from tests.conftest import PROJECT, fit

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


# a model on five of the sample's factors: numbers, a log, and two categorical factors
NAMED_FACTORS = (
    model.FactorSpec("debt_ratio"),
    model.FactorSpec("annual_income", "log"),
    model.FactorSpec("prior_overdue_count"),
    model.FactorSpec("credit_rating", "categorical", "AAA"),
    model.FactorSpec("education", "categorical", "college"),
)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_factor_is_written_by_its_display_name(model_db, monkeypatch, lang):
    """Issue 13 (points 9 and 12): What-if wrote raw column names. Every factor the page names (sliders and
    selects, the waterfall's bars, the sentences, the contribution, flip and combination tables, the quiz) is
    written by the display name the sample ships in the session's language; the waterfall labels every bar and
    the total and draws from zero."""
    con = store.connect(model_db)
    model.save_model(con, "Named", fit(con, model.ModelSpec("sample_loans", NAMED_FACTORS), validate=False))
    con.close()
    names = SAMPLE_LABELS["sample_loans"][lang]
    raw = [spec.column for spec in NAMED_FACTORS]
    shown = [names[column] for column in raw]
    at = open_page(model_db, monkeypatch, lang=lang)
    at.selectbox(key="wi_model").set_value("Named").run()
    at.text_input(key="wi_loan").input("L0008556").run()
    ok(at)
    widgets = {w.key: w.label for w in [*at.slider, *at.selectbox] if w.key.startswith("wi_f_")}
    assert widgets == {f"wi_f_{column}": names[column] for column in raw}
    frames = [d.value for d in at.dataframe if "factor" in d.value.columns]
    assert len(frames) == 5  # contributions, reasons, single flips, combinations, the quiz's applicant
    for frame in frames:
        assert set(frame["factor"]) <= set(shown) and not set(frame["factor"]) & set(raw)
    assert list(frames[0]["factor"]) == shown and list(frames[-1]["factor"]) == shown
    sentences = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for sentence in sentences:
        assert not [column for column in raw if re.search(rf"\b{column}\b", sentence)], sentence
    assert any(f"**{name}**" in sentence for sentence in sentences for name in shown)
    chart = at.get("vega_lite_chart")[0].proto
    bars = json.loads(chart.spec)["layer"][0]["encoding"]
    rows = dataframe_util.convert_arrow_bytes_to_pandas_df(chart.datasets[0].data.data)
    ends = {"en": ["Typical applicant", "This applicant"], "zh": ["典型申请人", "该申请人"]}[lang]
    assert list(rows["label"]) == bars["y"]["sort"] == [ends[0], *shown, ends[1]]
    assert rows["text"].str.len().min() > 0  # every bar and the total carry their figure
    assert rows["text"].iloc[-1].endswith(")")  # the applicant's score and (its difference)
    low, high = bars["x"]["scale"]["domain"]
    assert low <= rows[["low", "high"]].min().min() and rows[["low", "high"]].max().max() <= high
    assert low < 0 < high and rows["low"].iloc[-1] == 0  # bars and the total start at zero, the reference
    # L0008556's smallest change is one factor (its income); L0012345's moves two, the debt ratio and prior overdues
    at.text_input(key="wi_loan").input("L0012345").run()
    ok(at)
    combination = next(m.value for m in at.markdown if m.value.count("→") > 1)  # more than one factor changed
    assert {"en": "**, **", "zh": "**，**"}[lang] in combination  # the changes joined in the session's language


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reason_codes_of_the_applicant(model_db, monkeypatch, lang):
    """Issue 14: the applicant's three factors that cost the most points against their best attribute, in a
    sentence and a table; moving a factor to its best attribute takes it off the list."""
    from analytics import datasets, model
    from ui import database

    at = open_page(model_db, monkeypatch, lang=lang)
    at.text_input(key="wi_loan").input("L0008556").run()
    ok(at)
    con = database._database(str(model_db)).cursor()
    saved = model.load_model(con, "Sample logit")
    best = model.best_points(saved, model.value_ranges(con, saved))
    applicant = con.execute("SELECT * FROM sample_loans WHERE loan_id = 'L0008556'").df().iloc[0].to_dict()
    expected = model.applicant_reasons(saved, applicant, best)
    assert "credit_rating" in expected["factor"].tolist()  # rating C: far below AAA
    factors = pd.DataFrame([applicant])[[e.column for e in saved.encodings]]
    whole = saved.base_points + saved.points_frame(factors).sum(axis=1).item()  # the sum of the rounded points
    assert at.metric[1].value == f"{whole:,.0f}"  # the score tile
    labels = datasets.column_labels(con, "sample_loans")[lang]  # factors by their display names
    names = [labels.get(f, f) for f in expected["factor"]]
    start = {"en": "Reasons (the factors that cost", "zh": "原因（相对各因子最佳属性"}[lang]
    sentence = next(m.value for m in at.markdown if m.value.startswith(start))
    assert all(name in sentence for name in names)
    assert f"{expected['points_lost'].iloc[0]:.0f}" in sentence
    table = next(d.value for d in at.dataframe if "points_lost" in d.value.columns)
    assert table["points_lost"].tolist() == expected["points_lost"].tolist()
    assert table["factor"].tolist() == names
    rating = labels.get("credit_rating", "credit_rating")
    at.selectbox(key="wi_f_credit_rating").set_value("AAA").run()  # the best rating: no longer a reason
    ok(at)
    table = next(d.value for d in at.dataframe if "points_lost" in d.value.columns)
    assert rating not in table["factor"].tolist() and len(table) >= 1
