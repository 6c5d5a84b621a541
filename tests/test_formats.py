"""Numbers and dates written for the chosen language through Babel: one helper (analytics.core.format_value, by
the column registry's kind) used by every table, chart axis, metric tile and export."""

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


FORMATS = [  # value, kind, options, English, Chinese
    (0.0907, "share", {}, "9.07%", "9.07%"),
    (0.31174, "pd", {}, "31.17%", "31.17%"),
    (0.0017853, "share", {"signed": True}, "+0.18%", "+0.18%"),
    (36_700.0, "amount", {}, "36,700", "36,700"),
    (2_731_618_851.26, "amount", {"compact": True}, "2.73 B", "27.32 亿"),
    (186_588_763, "amount", {"compact": True}, "186.59 M", "1.87 亿"),
    (45_000, "amount", {"compact": True}, "45.00 K", "4.50 万"),
    (999_999.999, "amount", {"compact": True}, "1.00 M", "100.00 万"),
    (950, "amount", {"compact": True}, "950", "950"),
    (-39_060_572.7, "amount", {"compact": True, "signed": True}, "-39.06 M", "-3,906.06 万"),
    (36_000, "count", {}, "36,000", "36,000"),
    (1312, "count", {"signed": True}, "+1,312", "+1,312"),
    (0.0362, "p_value", {}, "0.0362", "0.0362"),
    (3.2e-7, "p_value", {}, "<0.0001", "<0.0001"),
    (0.28341, "statistic", {}, "0.2834", "0.2834"),
    (1.8512, "ratio", {}, "1.85", "1.85"),
    (-0.02786, "coef", {}, "-0.02786", "-0.02786"),  # four significant digits, as the tables' "%.4g"
    (1.28345e-4, "coef", {}, "0.0001283", "0.0001283"),  # a raw income's coefficient, no "0.0000"
    (-1.4567, "coef", {}, "-1.457", "-1.457"),
    (0.5, "coef", {}, "0.5", "0.5"),
    (2.5e-8, "coef", {}, "2.5e-8", "2.5e-8"),  # below 1e-6 in exponent form, as "%.4g" in a table
    (612.4, "score", {}, "612", "612"),
    (12.5, "number", {}, "12.50", "12.50"),
    (dt.date(2026, 11, 22), "date", {}, "2026-11-22", "2026年11月22日"),
    ("2026-11-02", "date", {}, "2026-11-02", "2026年11月2日"),
    (dt.date(2026, 11, 1), "month", {}, "2026-11", "2026年11月"),
    ("2024Q1", "month", {}, "2024Q1", "2024Q1"),  # a quarter label stays as it is
    (dt.datetime(2026, 11, 22, 14, 30), "datetime", {}, "2026-11-22 14:30", "2026年11月22日 14:30"),
    ("approve", "text", {}, "approve", "approve"),
    (None, "share", {}, "-", "-"),
    (float("nan"), "amount", {"compact": True}, "-", "-"),
]


@pytest.mark.parametrize(("value", "kind", "options", "english", "chinese"), FORMATS)
def test_every_kind_is_written_for_the_language(value, kind, options, english, chinese):
    assert core.format_value(value, kind, "en", **options) == english
    assert core.format_value(value, kind, "zh", **options) == chinese


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_change_that_rounds_to_zero_has_no_sign(lang):
    """A KPI tile's change of -0.0004 points reads "0.00", never "-0.00" (nor "+0.00" when signed)."""
    assert core.format_value(-0.0004, "number", lang, signed=True) == "0.00"
    assert core.format_value(0.004, "number", lang, signed=True) == "0.00"
    assert core.format_value(-0.00004, "share", lang) == "0.00%"
    assert core.format_value(-0.006, "number", lang, signed=True) == "-0.01"
    assert core.format_value(0.006, "number", lang, signed=True) == "+0.01"


def test_missing_values_of_every_sort_are_a_dash():
    import pandas as pd

    assert [core.format_value(v, "date", "zh") for v in (None, pd.NaT, pd.NA, float("nan"))] == ["-"] * 4


def test_compact_units_come_from_the_locale_data():
    assert [unit for _, unit in core.compact_units("en")] == ["T", "B", "M", "K"]
    assert core.compact_units("zh") == ((10**12, "万亿"), (10**8, "亿"), (10**4, "万"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_chart_axes_write_as_the_tables(lang):
    assert core.vega_format("share", lang) == {"format": ".2~%"}
    assert core.vega_format("text", lang) == {}
    expr = core.vega_format("amount", lang)["labelExpr"]
    for size, unit in core.compact_units(lang):  # the same units at the same sizes as format_value(compact=True)
        assert f"abs(datum.value) >= {size} ? format(datum.value / {size}, ',.2~f') + ' {unit}'" in expr
    assert "G" not in expr and ("亿" in expr) == (lang == "zh")
    date = core.vega_format("date", lang)
    assert date["formatType"] == "time" and date["format"] == {"en": "%Y-%m-%d", "zh": "%Y年%-m月%-d日"}[lang]


def test_excel_formats_follow_the_kind():
    assert [core.excel_format(k) for k in ("share", "amount", "p_value", "date")] == [
        "0.00%",
        "#,##0",
        "0.0000",
        "yyyy-mm-dd",
    ]


def test_shares_are_shown_as_percentages_with_two_decimals():
    """ui.tables shows a share column times 100 with two decimals; the frame (and its download) keeps shares."""
    import pandas as pd

    from ui import tables

    frame = pd.DataFrame({"bad_rate": [0.091, 0.0979], "loans": [10, 20], "approval_rate": [0.623, 0.7]})
    shown, config = tables.view(frame)
    assert shown["bad_rate"].tolist() == pytest.approx([9.1, 9.79], abs=1e-12)
    assert shown["loans"].tolist() == [10, 20]
    assert frame["bad_rate"].tolist() == [0.091, 0.0979]
    assert config["bad_rate"]["type_config"]["format"] == "%.2f%%"
    assert [f"{v:.2f}%" for v in shown["bad_rate"]] == ["9.10%", "9.79%"]


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
    imported = core.column_label("imported_at", lang)
    assert _column_formats(app.dataframe[0])[imported] == core.DATETIME_COLUMN_FORMATS[lang]
    assert "36,000" in app.markdown[1].value  # the active table's rows
    app.switch_page("pages/data.py").run()
    assert _column_formats(app.dataframe[0])[imported] == core.DATETIME_COLUMN_FORMATS[lang]
    rows = {m.label: m.value for m in app.metric}
    assert rows[core.column_label("rows", lang)] == "36,000"
    app.switch_page("pages/model.py").run()
    app.multiselect(key="model_pick").set_value(["debt_ratio", "prior_overdue_count"]).run()
    app.button(key="model_fit").click().run()
    assert not app.exception
    tiles = {m.label: m.value for m in app.metric}
    n_obs = tiles[core.t("model.metric.fit.n_obs", lang)]  # the training sample's loans, named so
    assert "," in n_obs and int(n_obs.replace(",", "")) > 10_000  # thousands separated
    coefficients = next(d for d in app.dataframe if "coef" in d.value.columns)  # 4 significant digits, not 0.0000
    assert _column_formats(coefficients)[core.column_label("coef", lang)] == "%.4g"
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
