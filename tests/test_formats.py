"""Numbers and dates written for the chosen language: one helper (analytics.i18n) used by every page."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from analytics import core
from tests.conftest import PROJECT


def test_format_helpers():
    day = dt.datetime(2026, 11, 2, 14, 30)
    assert core.format_date(day, "en") == "2026-11-02" and core.format_date(day, "zh") == "2026年11月2日"
    assert core.format_date("2026-11-22", "zh") == "2026年11月22日" and core.format_date(None, "zh") == "-"
    assert core.format_number(36000, "zh") == "36,000" and core.format_number(1234.5, "en", 2) == "1,234.50"
    assert core.format_percent(0.08333, "zh") == "8.3%" and core.format_percent(float("nan")) == "-"
    assert set(core.DATE_FORMATS) == set(core.DATETIME_COLUMN_FORMATS) == set(core.LANGUAGES)


def test_shares_are_shown_as_percentages_with_two_decimals():
    import pandas as pd

    import ui

    frame = pd.DataFrame({"bad_rate": [0.091, 0.0979], "n": [10, 20], "approval_rate": ["62.3%", "-"]})
    shown = ui.as_percentages(frame, ["bad_rate", "not_there", "approval_rate"])
    assert shown["approval_rate"].tolist() == ["62.3%", "-"]  # already text: left alone
    assert shown["bad_rate"].tolist() == pytest.approx([9.1, 9.79], abs=1e-12) and shown["n"].tolist() == [10, 20]
    assert frame["bad_rate"].tolist() == [0.091, 0.0979]  # the data itself (and its download) keeps shares
    assert [ui.PERCENT_FORMAT % v for v in shown["bad_rate"]] == ["9.10%", "9.79%"]


def _column_formats(element) -> dict:
    """``{column label: format}`` of a rendered dataframe's column configuration."""
    config = json.loads(element.proto.columns or "{}")
    return {c.get("label") or k: (c.get("type_config") or {}).get("format") for k, c in config.items()}


@pytest.fixture
def app(demo_db, monkeypatch):
    monkeypatch.setenv("RISKLAB_DB", str(demo_db))
    return AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pages_write_numbers_and_dates_for_the_language(app, lang):
    app.session_state["lang"] = lang
    app.run()
    assert not app.exception
    imported = core.t("col.imported_at", lang)
    assert _column_formats(app.dataframe[0])[imported] == core.DATETIME_COLUMN_FORMATS[lang]
    assert "36,000" in app.markdown[1].value  # the active table's rows
    app.switch_page("pages/data.py").run()
    assert _column_formats(app.dataframe[0])[imported] == core.DATETIME_COLUMN_FORMATS[lang]
    rows = {m.label: m.value for m in app.metric}
    assert rows[core.t("data.rows", lang)] == "36,000"
    app.switch_page("pages/model.py").run()
    app.multiselect(key="model_pick").set_value(["debt_ratio", "prior_overdue_count"]).run()
    app.button(key="model_fit").click().run()
    assert not app.exception
    tiles = {m.label: m.value for m in app.metric}
    n_obs = tiles[core.t("model.col.n_obs", lang)]
    assert "," in n_obs and int(n_obs.replace(",", "")) > 10_000  # thousands separated
    shares = [d for d in app.dataframe if "%.2f%%" in _column_formats(d).values()]  # e.g. the deciles' bad rate
    assert shares and all(
        d.value[c].max() > 1 for d in shares for c, f in _column_formats(d).items() if f == "%.2f%%" and c in d.value
    )
    versions = next(d for d in app.dataframe if "sample scorecard" in d.value.to_string())  # the saved versions
    assert core.DATETIME_COLUMN_FORMATS[lang] in _column_formats(versions).values()


SNAPSHOT = {"en": r"snapshot of \d{4}-\d{2}-\d{2}\.", "zh": r"数据截至 \d{4}年\d{1,2}月\d{1,2}日。"}


@pytest.mark.parametrize(("lang", "pattern"), SNAPSHOT.items())
def test_portfolio_snapshot_date_for_the_language(app, lang, pattern):
    app.session_state["lang"] = lang
    app.session_state["table"] = "sample_performance"
    app.run()
    app.switch_page("pages/portfolio.py").run()
    assert not app.exception
    assert any(re.search(pattern, c.value) for c in app.caption), [c.value for c in app.caption]
