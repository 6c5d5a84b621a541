"""Charts that read: titles on the validation charts, legends not cut, heat-map rows tall enough, vintages told
apart, colour-blind-safe colours, and axes written like the tables in each language (read from the Vega-Lite spec).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from analytics import charts
from analytics.core import t as translate

# Okabe & Ito's colour-blind-safe palette, written out here rather than read from the code under test.
OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999", "#000000"}
MONTHS = pd.date_range("2024-01-01", periods=6, freq="MS")


def tr(lang: str):
    def t(key: str, **params: object) -> str:
        return translate(key, lang, **params)

    return t


def layers(spec: dict) -> list[dict]:
    """The spec and every nested layer, for properties that sit on one of them."""
    found = [spec]
    for layer in spec.get("layer", []):
        found += layers(layer)
    return found


def encoding(spec: dict, channel: str) -> dict:
    """The first ``channel`` encoding among the spec's layers."""
    return next(layer["encoding"][channel] for layer in layers(spec) if channel in layer.get("encoding", {}))


def colours_in(spec: dict) -> set[str]:
    """Every literal hex colour the spec draws with (scale ranges and mark colours)."""
    text = json.dumps({k: v for k, v in spec.items() if k != "datasets"})
    return {colour.upper() for colour in re.findall(r"#[0-9A-Fa-f]{6}\b", text)}


@pytest.fixture(scope="module")
def validation():
    """Small frames in the shapes the model's validation gives the four charts."""
    grid = np.linspace(0, 1, 11)
    roc = pd.DataFrame({"fpr": grid, "tpr": np.sqrt(grid)})
    deciles = pd.DataFrame(
        {"decile": range(1, 11), "mean_pd": grid[1:] / 2, "observed_rate": grid[1:] / 2.2, "loans": 100}
    )
    ks = pd.DataFrame({"population": grid, "bads": np.sqrt(grid), "goods": grid**1.5})
    histogram = pd.DataFrame(
        {"score_low": [500, 550, 600], "score_high": [550, 600, 650], "goods": [10, 40, 50], "bads": [8, 4, 1]}
    )
    return {
        "roc": lambda t, lang: charts.roc_chart({"train": roc, "test": roc}, t, lang=lang),
        "calibration": lambda t, lang: charts.calibration_chart({"train": deciles, "test": deciles}, t, lang=lang),
        "ks": lambda t, lang: charts.ks_chart(ks, t, lang=lang),
        "score": lambda t, lang: charts.score_distribution_chart(histogram, t, lang=lang),
    }


@pytest.mark.parametrize("name", ["roc", "calibration", "ks", "score"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_validation_chart_has_a_translated_title_and_a_legend_that_is_not_cut(validation, name, lang):
    keys = {
        "roc": "model.chart.roc_title",
        "calibration": "model.chart.calibration_title",
        "ks": "model.chart.ks_title",
        "score": "model.chart.score_distribution_title",
    }
    spec = validation[name](tr(lang), lang).to_dict()
    assert spec["title"]["text"] == translate(keys[name], lang) != keys[name]  # a known key, translated
    legend = encoding(spec, "color")["legend"]
    assert legend["orient"] == "bottom" and legend["labelLimit"] >= 300
    assert colours_in(spec) <= OKABE_ITO


def test_ks_legend_keeps_the_full_label():
    """The label that used to read "Non-defaults (cumulativ..." is in the spec whole, with room for it."""
    grid = np.linspace(0, 1, 5)
    spec = charts.ks_chart(pd.DataFrame({"population": grid, "bads": grid, "goods": grid}), tr("en")).to_dict()
    colour = encoding(spec, "color")
    assert translate("model.chart.cum_goods") in colour["scale"]["domain"]
    assert colour["legend"]["labelLimit"] > 7 * len(translate("model.chart.cum_goods"))


def test_good_and_bad_are_blue_and_vermillion_never_red_and_green():
    histogram = pd.DataFrame({"score_low": [500, 550], "score_high": [550, 600], "goods": [10, 40], "bads": [8, 4]})
    spec = charts.score_distribution_chart(histogram, tr("en")).to_dict()
    scale = encoding(spec, "color")["scale"]
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == {
        translate("model.chart.goods"): "#0072B2",
        translate("model.chart.bads"): "#D55E00",
    }


def test_portfolio_and_decision_charts_use_the_colour_blind_palette():
    t = tr("en")
    mix = pd.DataFrame(
        [{"month": m, "category": c, "balance": 100.0} for m in MONTHS[:2] for c in ("normal", "substandard", "loss")]
    )
    officers = pd.DataFrame(
        {
            "name": ["A", "B"],
            "leniency": [0.1, -0.05],
            "approval_rate": [0.8, 0.6],
            "model_approval_rate": [0.7, 0.65],
            "override_rate": [0.2, 0.05],
            "flag": [True, False],
        }
    )
    steps = pd.DataFrame({"factor": ["a", "b"], "points": [-5.0, 12.0]})
    bins = pd.DataFrame({"label": ["low", "high"], "count": [10, 20], "bad_rate": [0.1, 0.3]})
    curve = pd.DataFrame({"cutoff": [0.1, 0.2], "approval_rate": [0.5, 0.8], "bad_rate_approved": [0.03, 0.06]})
    trend = pd.DataFrame({"month": MONTHS, "par30": 0.05, "par90": 0.03, "npl_ratio": 0.02, "disbursed": 1e6})
    specs = [
        charts.class_mix(mix, t),
        charts.officer_chart(officers, t),
        charts.waterfall_chart(steps, 600.0, t),
        charts.waterfall_chart(steps.rename(columns={"points": "contribution"}), 0.0, t, value="contribution"),
        charts.binning_chart(bins, t),
        charts.strategy_chart(curve, (0.6, 0.05), (0.7, 0.04), t),
        charts.ratio_trend(trend, t),
        charts.amount_bars(trend, "disbursed", t),
    ]
    for spec in (chart.to_dict() for chart in specs):
        assert colours_in(spec) and colours_in(spec) <= OKABE_ITO


def test_heat_map_rows_are_taller_than_20_px():
    t = tr("en")
    states = ("current", "dpd_1_30", "written_off")
    rates = pd.DataFrame([{"from_state": a, "to_state": b, "share": 1 / 3} for a in states[:2] for b in states])
    trend = pd.DataFrame([{"month": m, "group": g, "par30": 0.1} for m in MONTHS for g in ("North", "South")])
    matrix = pd.DataFrame(np.eye(3), columns=list("abc"), index=list("abc"))
    for chart in (
        charts.roll_rate_heatmap(rates, states, t),
        charts.dimension_heatmap(trend, "branch", "par30", t),
        charts.correlation_heatmap(matrix, t),
    ):
        assert chart.to_dict()["height"]["step"] >= 22


def vintages(cohorts: int) -> pd.DataFrame:
    """Monthly cohorts from 2020-01 on, each observed for four months on book."""
    names = [f"{2020 + c // 12}-{c % 12 + 1:02d}" for c in range(cohorts)]
    return pd.DataFrame([{"cohort": name, "mob": m, "ever30_rate": m / 50} for name in names for m in range(4)])


@pytest.mark.parametrize("cohorts", [4, 12, 30])
def test_every_vintage_has_its_own_line_pattern_and_point_shape(cohorts):
    frame = vintages(cohorts)
    spec = charts.vintage_curves(frame, "ever30_rate", tr("en")).to_dict()
    names = sorted(frame["cohort"].unique())
    colour, dash, shape = (spec["encoding"][c] for c in ("color", "strokeDash", "shape"))
    assert colour["scale"]["domain"] == dash["scale"]["domain"] == shape["scale"]["domain"] == names
    pairs = [(json.dumps(d), s) for d, s in zip(dash["scale"]["range"], shape["scale"]["range"], strict=True)]
    assert len(set(pairs)) == cohorts  # no two cohorts drawn alike
    assert all(pairs[i][0] != pairs[i + 1][0] for i in range(cohorts - 1))  # neighbours differ in pattern too
    assert colour["scale"]["scheme"]["name"] in {"viridis", "cividis"}  # sequential, by cohort order
    legend = colour["legend"]
    assert legend["orient"] == "bottom" and legend["symbolLimit"] >= cohorts and legend["columns"] <= 8


# --- axes written like the tables ---------------------------------------------------------------------------------


def y_axis(spec: dict) -> dict:
    return encoding(spec, "y")["axis"]


def render(label_expr: str, value: float) -> str:
    """The label the compact-amount ``labelExpr`` writes for ``value``: its chain of ``cond ? then : else`` is
    walked in Python (conditions and ``format`` calls evaluated; the expression holds only literals)."""
    expr = label_expr.replace("datum.value", repr(float(value))).replace("format(", "_format(")
    while " ? " in expr:
        condition, rest = expr.split(" ? ", 1)
        then, otherwise = _split_else(rest)
        expr = then if eval(condition) else otherwise
    return eval(expr, {"_format": _d3})


def _split_else(rest: str) -> tuple[str, str]:
    """``then`` and ``else`` of ``then : else``, split at the first top-level colon."""
    depth = 0
    for i, char in enumerate(rest):
        depth += char == "("
        depth -= char == ")"
        if depth == 0 and rest.startswith(" : ", i):
            return rest[:i], rest[i + 3 :]
    raise AssertionError(f"no else branch in {rest!r}")


def _d3(value: float, spec: str) -> str:
    """The two d3 formats the amount axis uses: ',.0f' and ',.2~f' (trailing zeros trimmed)."""
    if spec == ",.0f":
        return f"{value:,.0f}"
    assert spec == ",.2~f"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@pytest.mark.parametrize(
    ("lang", "value", "label"),
    [
        ("en", 2.73e9, "2.73 B"),
        ("en", 200e6, "200 M"),
        ("en", 2500, "2.5 K"),
        ("en", 0, "0"),
        ("zh", 2.732e9, "27.32 亿"),
        ("zh", 2e8, "2 亿"),
        ("zh", 5e7, "5,000 万"),
        ("zh", 2500, "2,500"),
    ],
)
def test_amount_axes_are_compact_in_the_pages_language(lang, value, label):
    trend = pd.DataFrame({"month": MONTHS, "disbursed": 1e9})
    axis = y_axis(charts.amount_bars(trend, "disbursed", tr(lang), lang=lang).to_dict())
    assert "format" not in axis and render(axis["labelExpr"], value) == label


def test_zh_amount_axes_use_yi_and_wan_not_si_prefixes():
    mix = pd.DataFrame([{"month": m, "category": "normal", "balance": 3e9} for m in MONTHS])
    frame = pd.DataFrame({"group": ["North", "South"], "outstanding": [3e9, 1e8]})
    axes = [
        charts.class_mix(mix, tr("zh"), lang="zh").to_dict()["encoding"]["y"]["axis"],
        charts.breakdown_bars(frame, "branch", "outstanding", tr("zh"), lang="zh").to_dict()["encoding"]["x"]["axis"],
    ]
    for axis in axes:
        assert "亿" in axis["labelExpr"] and "万" in axis["labelExpr"]
        assert "' B'" not in axis["labelExpr"] and "format" not in axis  # no "~s" SI prefixes (G, M)
        assert render(axis["labelExpr"], 2.732e9) == "27.32 亿"


def test_share_axes_are_percentages_and_month_axes_follow_the_language():
    trend = pd.DataFrame({"month": MONTHS, "par30": 0.05, "par90": 0.03, "npl_ratio": 0.02})
    for lang, month in (("en", "%Y-%m"), ("zh", "%Y年%-m月")):
        spec = charts.ratio_trend(trend, tr(lang), lang=lang).to_dict()
        assert spec["encoding"]["y"]["axis"]["format"].endswith("%")
        assert spec["encoding"]["x"]["axis"]["format"] == month


@pytest.mark.parametrize(
    ("measure", "expected"),
    [("npl_ratio", "format"), ("default_rate_12m", "format"), ("outstanding", "labelExpr")],
)
def test_breakdown_axis_follows_the_column_registry(measure, expected):
    frame = pd.DataFrame({"group": ["North", "South"], measure: [0.1, 0.2]})
    axis = charts.breakdown_bars(frame, "branch", measure, tr("en")).to_dict()["encoding"]["x"]["axis"]
    assert expected in axis
    if expected == "format":
        assert axis["format"].endswith("%")


def test_count_and_score_axes_have_thousands_separators():
    bins = pd.DataFrame({"label": ["low", "high"], "count": [1000, 20000], "bad_rate": [0.1, 0.3]})
    spec = charts.binning_chart(bins, tr("en")).to_dict()
    count_axis, rate_axis = (layer["encoding"]["y"]["axis"] for layer in spec["layer"])
    assert count_axis["format"].startswith(",") and count_axis["tickMinStep"] == 1
    assert rate_axis["format"].endswith("%")
    histogram = pd.DataFrame({"score_low": [500, 550], "score_high": [550, 600], "goods": [10, 40], "bads": [8, 4]})
    score_axis = encoding(charts.score_distribution_chart(histogram, tr("en")).to_dict(), "x")["axis"]
    assert score_axis["format"].startswith(",")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_waterfall_labels_every_bar_and_the_total_and_draws_from_zero(lang):
    """Issue 13: the waterfall labelled every other bar (prior_overdue_count's -35 points sat under
    credit_rating), the total had no label and the axis began at 551, so zero contributions looked tall. Points
    are whole (the score is the sum of the rounded points): "-35", not "-35.00"."""
    factors = ["debt_ratio", "annual_income", "prior_overdue_count", "credit_rating", "guarantee_method"]
    steps = pd.DataFrame({"factor": factors, "points": [4.0, -1e-14, -35.0, 12.0, -2.0]})  # a zero, as floats add
    spec = charts.waterfall_chart(steps, 586.0, tr(lang), lang=lang).to_dict()
    rows = next(iter(spec["datasets"].values()))
    reference, applicant = tr(lang)("column.reference"), tr(lang)("whatif.applicant")
    assert [r["label"] for r in rows] == [reference, *factors, applicant]
    assert [r["text"] for r in rows] == ["586", "+4", "0", "-35", "+12", "-2", "565 (-21)"]
    zero_row = rows[2]
    assert zero_row["low"] == pytest.approx(zero_row["high"]) == 4  # a zero contribution draws no bar
    assert rows[-1]["low"] == 0 and rows[-1]["high"] == pytest.approx(-21)  # the total: from zero
    bars, labels, rule = spec["layer"]
    assert bars["encoding"]["y"]["axis"]["labelOverlap"] is False  # one row per factor, every name shown
    assert labels["mark"]["type"] == "text" and labels["encoding"]["text"]["field"] == "text"
    low, high = bars["encoding"]["x"]["scale"]["domain"]
    ends = [r["high"] for r in rows]
    assert low < min(ends) == pytest.approx(-31) and 0 < max(ends) < high  # zero sits inside the axis, bars start at it
    assert rule["mark"]["type"] == "rule"
