"""Pure chart builders: an aggregated DataFrame in, an ``alt.Chart`` out (no Streamlit, no data access).

Each builder is called as ``builder(data..., t, lang=...)``: ``t(key, **params)`` translates the texts, ``lang``
writes the axes (``_style.axis``: shares as percentages, amounts as 2.5 B / 25 亿). Frames are small (one row per
month, cohort x months on book, or bucket pair); ``MAX_ROWS`` guards against passing loan-level data by mistake.
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd

from analytics import core
from analytics.charts._style import (
    BAD,
    COHORT_SCHEME,
    DASHES,
    GOOD,
    LABEL_LIMIT,
    NEUTRAL,
    OKABE_ITO,
    ORDERED_COLOURS,
    ROW_STEP,
    SERIES_COLOURS,
    SHAPES,
    axis,
    column_kind,
    legend,
    titled,
    tooltip_format,
)
from analytics.datasets import FIVE_CATEGORIES
from analytics.portfolio import DIMENSION_LABELS, KPI_LABELS

MAX_ROWS = 5_000
# The registry's share columns, for pages that still ask which columns are percentages (the charts ask
# ``column_kind``); goes once no page uses it.
RATIO_COLUMNS = frozenset(key for key, column in core.REGISTRY.items() if column.kind == "share")

Translate = Callable[..., str]


def _label(t: Translate, key: str) -> str:
    """The column registry's label of column ``key`` (``core.column(key).label_key``) through ``t``."""
    return t(core.column(key).label_key)


def _check(frame: pd.DataFrame) -> pd.DataFrame:
    if len(frame) > MAX_ROWS:
        raise ValueError(f"a chart gets aggregated data: {len(frame)} rows is more than {MAX_ROWS}")
    return frame


def _cell_format(value_kind: str) -> str:
    """The format of a value printed inside a heat-map cell: shares with one decimal, to fit the cell."""
    return ".1%" if value_kind in ("share", "pd") else tooltip_format(value_kind)


def lines(
    frame: pd.DataFrame,
    x: str,
    series: dict[str, str],
    *,
    x_title: str,
    y_title: str,
    legend_title: str,
    value_kind: str = "share",
    y_max: float | None = None,
    lang: str = "en",
) -> alt.Chart:
    """One line per column of ``series`` (column -> legend label) over ``x`` (e.g. PAR30, PAR90, NPL by month);
    ``y_max`` cuts the axis there (higher values drawn at the top, their tooltips exact)."""
    long = _check(frame)[[x, *series]].melt(id_vars=x, var_name="series", value_name="value")
    long["series"] = long["series"].map(series)
    temporal = x == "month"
    if temporal:
        long[x] = pd.to_datetime(long[x])
    x_field = f"{x}:{'T' if temporal else 'Q'}"
    names = list(series.values())
    series_legend = legend(legend_title)
    y_scale = alt.Scale(domain=[0, y_max], clamp=True) if y_max is not None else alt.Undefined
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X(x_field, title=x_title, axis=axis("month" if temporal else column_kind(x), lang)),
            y=alt.Y("value:Q", title=y_title, axis=axis(value_kind, lang), scale=y_scale),
            color=alt.Color(
                "series:N",
                sort=names,
                scale=alt.Scale(domain=names, range=list(SERIES_COLOURS[: len(names)])),
                legend=series_legend,
            ),
            # the same domain as the colour: one legend of coloured, dashed lines, not two
            strokeDash=alt.StrokeDash("series:N", sort=names, scale=alt.Scale(domain=names), legend=series_legend),
            tooltip=[
                alt.Tooltip(
                    x_field, title=x_title, format=tooltip_format("month" if temporal else column_kind(x), lang)
                ),
                alt.Tooltip("series:N", title=legend_title),
                alt.Tooltip("value:Q", title=y_title, format=tooltip_format(value_kind)),
            ],
        )
    )


def monthly_bars(
    frame: pd.DataFrame, y: str, *, x_title: str, y_title: str, colour: str = GOOD, lang: str = "en"
) -> alt.Chart:
    """Bars of one amount by month (e.g. disbursed, or gross outstanding)."""
    data = _check(frame)[["month", y]].assign(month=lambda f: pd.to_datetime(f["month"]))
    y_kind = column_kind(y, "amount")
    return (
        alt.Chart(data)
        .mark_bar(color=colour)
        .encode(
            x=alt.X("yearmonth(month):T", title=x_title, axis=axis("month", lang)),
            y=alt.Y(f"{y}:Q", title=y_title, axis=axis(y_kind, lang)),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title=x_title, format=tooltip_format("month", lang)),
                alt.Tooltip(f"{y}:Q", title=y_title, format=tooltip_format(y_kind)),
            ],
        )
    )


def stacked_area(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    colour: str,
    order: list[str],
    x_title: str,
    y_title: str,
    legend_title: str,
    colours: tuple[str, ...] = ORDERED_COLOURS,
    lang: str = "en",
) -> alt.Chart:
    """Stacked areas of ``y`` by ``x`` and ``colour`` in ``order`` (the five-category mix of balances)."""
    data = _check(frame)[[x, colour, y]].copy()
    data[x] = pd.to_datetime(data[x])
    data["stack"] = data[colour].map({label: i for i, label in enumerate(order)})
    y_kind = column_kind(y, "amount")
    return (
        alt.Chart(data)
        .mark_area()
        .encode(
            x=alt.X(f"{x}:T", title=x_title, axis=axis("month", lang)),
            y=alt.Y(f"{y}:Q", title=y_title, stack="zero", axis=axis(y_kind, lang)),
            color=alt.Color(
                f"{colour}:N",
                sort=order,
                scale=alt.Scale(domain=order, range=list(colours)),
                legend=legend(legend_title),
            ),
            order=alt.Order("stack:Q"),
            tooltip=[
                alt.Tooltip(f"{x}:T", title=x_title, format=tooltip_format("month", lang)),
                alt.Tooltip(f"{colour}:N", title=legend_title),
                alt.Tooltip(f"{y}:Q", title=y_title, format=tooltip_format(y_kind)),
            ],
        )
    )


def cohort_lines(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    cohort: str,
    x_title: str,
    y_title: str,
    legend_title: str,
    lang: str = "en",
) -> alt.Chart:
    """One line per cohort of a rate by months on book (vintage curves).

    Cohorts are coloured from oldest (dark) to newest (light) and each has its own pair of line pattern and point
    shape, so neighbours with close colours still differ; the legend lists them in rows below the chart.
    """
    data = _check(frame)[[x, y, cohort]].astype({cohort: str})
    cohorts = sorted(data[cohort].unique())
    cohort_legend = legend(legend_title, columns=min(len(cohorts), 8), symbolLimit=len(cohorts), symbolSize=80)
    field = f"{cohort}:O"
    y_kind = column_kind(y, "share")
    return (
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=36, filled=True), strokeWidth=1.8)
        .encode(
            x=alt.X(f"{x}:Q", title=x_title, axis=axis(column_kind(x, "count"), lang)),
            y=alt.Y(f"{y}:Q", title=y_title, axis=axis(y_kind, lang)),
            color=alt.Color(field, scale=alt.Scale(domain=cohorts, scheme=COHORT_SCHEME), legend=cohort_legend),
            strokeDash=alt.StrokeDash(
                field,
                scale=alt.Scale(domain=cohorts, range=[DASHES[i % len(DASHES)] for i in range(len(cohorts))]),
                legend=cohort_legend,
            ),
            shape=alt.Shape(
                field,
                scale=alt.Scale(domain=cohorts, range=[SHAPES[i % len(SHAPES)] for i in range(len(cohorts))]),
                legend=cohort_legend,
            ),
            tooltip=[
                alt.Tooltip(field, title=legend_title),
                alt.Tooltip(f"{x}:Q", title=x_title),
                alt.Tooltip(f"{y}:Q", title=y_title, format=tooltip_format(y_kind)),
            ],
        )
    )


def heatmap(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    value: str,
    x_title: str,
    y_title: str,
    value_title: str,
    x_order: list[str] | None = None,
    y_order: list[str] | None = None,
    value_kind: str = "share",
    labels: bool = True,
    temporal_x: bool = False,
    row_step: int = ROW_STEP,
    lang: str = "en",
) -> alt.Chart:
    """Cells coloured by ``value`` (roll-rate matrix, or a dimension x month heat map), with the value printed;
    each row ``row_step`` pixels tall."""
    data = _check(frame)[[x, y, value]].copy()
    if temporal_x:
        data[x] = pd.to_datetime(data[x])
    x_field = f"yearmonth({x}):O" if temporal_x else f"{x}:N"
    x_enc = (
        alt.X(x_field, title=x_title, axis=axis("month", lang))
        if temporal_x
        else alt.X(x_field, title=x_title, sort=x_order, axis=alt.Axis(labelAngle=-30, labelOverlap=False))
    )
    base = alt.Chart(data).encode(x=x_enc, y=alt.Y(f"{y}:N", title=y_title, sort=y_order))
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(scheme="orangered"), legend=None),
        tooltip=[
            alt.Tooltip(f"{y}:N", title=y_title),
            alt.Tooltip(x_field, title=x_title, **({"format": tooltip_format("month", lang)} if temporal_x else {})),
            alt.Tooltip(f"{value}:Q", title=value_title, format=tooltip_format(value_kind)),
        ],
    )
    step = alt.Step(row_step)
    if not labels:
        return cells.properties(height=step)
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text(f"{value}:Q", format=_cell_format(value_kind)),
        color=alt.condition(f"datum['{value}'] > 0.5", alt.value("white"), alt.value("black")),
    )
    return (cells + text).properties(height=step)


def sorted_bars(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    category_title: str,
    value_title: str,
    value_kind: str | None = None,
    lang: str = "en",
) -> alt.Chart:
    """Horizontal bars sorted from the largest value down (breakdowns by branch, officer ...); ``value_kind``
    defaults to the registry's kind of ``value``."""
    data = _check(frame)[[category, value]]
    value_kind = value_kind or column_kind(value)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", title=category_title, sort="-x"),
            x=alt.X(f"{value}:Q", title=value_title, axis=axis(value_kind, lang)),
            color=alt.Color(f"{value}:Q", scale=alt.Scale(scheme="orangered"), legend=None),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=category_title),
                alt.Tooltip(f"{value}:Q", title=value_title, format=tooltip_format(value_kind)),
            ],
        )
    )


# --- the portfolio page's charts ----------------------------------------------------------------------------------


def _monthly_ratios(
    monthly: pd.DataFrame, names: dict[str, str], t: Translate, lang: str, y_max: float | None = None
) -> alt.Chart:
    """One line per ratio column of ``names`` (column -> legend label) by month."""
    titles = {"x_title": t("column.month"), "y_title": t("chart.ratio"), "legend_title": t("chart.series")}
    return lines(monthly, "month", names, **titles, y_max=y_max, lang=lang)


def ratio_trend(monthly: pd.DataFrame, t: Translate, *, lang: str = "en") -> alt.Chart:
    """PAR30, PAR90 and NPL ratio by month."""
    return _monthly_ratios(monthly, {key: t(KPI_LABELS[key]) for key in ("par30", "par90", "npl_ratio")}, t, lang)


def amount_bars(monthly: pd.DataFrame, column: str, t: Translate, colour: str = GOOD, *, lang: str = "en") -> alt.Chart:
    """Disbursed (or outstanding) by month."""
    return monthly_bars(
        monthly, column, x_title=t("column.month"), y_title=t(KPI_LABELS[column]), colour=colour, lang=lang
    )


def class_mix(mix: pd.DataFrame, t: Translate, *, lang: str = "en") -> alt.Chart:
    """Stacked balances of the five categories by month, normal at the bottom, loss on top."""
    order = [t(c.label_key) for c in FIVE_CATEGORIES]
    data = mix.assign(cls=[t(f"outcome.category.{k}") for k in mix["category"]])
    return stacked_area(
        data,
        x="month",
        y="balance",
        colour="cls",
        order=order,
        x_title=t("column.month"),
        y_title=t("column.balance"),
        legend_title=t("column.category"),
        lang=lang,
    )


def vintage_curves(curves: pd.DataFrame, metric: str, t: Translate, *, lang: str = "en") -> alt.Chart:
    """One line per origination cohort of ``metric`` (default_rate, ever30_rate, ever90_rate) by months on book."""
    return cohort_lines(
        curves,
        x="mob",
        y=metric,
        cohort="cohort",
        x_title=t("column.mob"),
        y_title=_label(t, metric),
        legend_title=t("column.cohort"),
        lang=lang,
    )


def _transition_heatmap(
    moves: pd.DataFrame, names: dict[str, str], columns: tuple[str, str], from_states: int, t: Translate, lang: str
) -> alt.Chart:
    """Shares of each from-state's balance by to-state (``columns``: from and to; ``names``: state -> label, in
    order; the first ``from_states`` of them are rows) as a heat map."""
    cells = moves.assign(frm=moves[columns[0]].map(names), to=moves[columns[1]].map(names))
    order = list(names.values())
    return heatmap(
        cells,
        x="to",
        y="frm",
        value="share",
        x_title=t(f"column.{columns[1]}"),
        y_title=t(f"column.{columns[0]}"),
        value_title=t("column.share"),
        x_order=order,
        y_order=order[:from_states],
        value_kind=column_kind("share"),
        row_step=30,
        lang=lang,
    )


def roll_rate_heatmap(rates: pd.DataFrame, states: tuple[str, ...], t: Translate, *, lang: str = "en") -> alt.Chart:
    """The roll-rate matrix (share of each from-bucket's balance by next-month state) as a heat map."""
    names = {s: t(f"portfolio.state.{s}") for s in states}
    return _transition_heatmap(rates, names, ("from_state", "to_state"), len(names), t, lang)


def breakdown_bars(frame: pd.DataFrame, dimension: str, measure: str, t: Translate, *, lang: str = "en") -> alt.Chart:
    """One bar per group of ``dimension`` (a ``portfolio.breakdown`` frame), sorted by ``measure``."""
    return sorted_bars(
        frame,
        category="group",
        value=measure,
        category_title=t(DIMENSION_LABELS[dimension]),
        value_title=_label(t, measure),
        lang=lang,
    )


def dimension_heatmap(
    trend: pd.DataFrame, dimension: str, measure: str, t: Translate, *, lang: str = "en"
) -> alt.Chart:
    """Group of ``dimension`` x month, coloured by ``measure`` (PAR30 or NPL ratio)."""
    return heatmap(
        trend,
        x="month",
        y="group",
        value=measure,
        x_title=t("column.month"),
        labels=False,
        temporal_x=True,
        y_title=t(DIMENSION_LABELS[dimension]),
        value_title=_label(t, measure),
        value_kind=column_kind(measure, "share"),
        lang=lang,
    )


def cohort_default_bars(by_cohort: pd.DataFrame, t: Translate, *, lang: str = "en") -> alt.Chart:
    """Default rate by origination quarter (loan-level tables)."""
    data = _check(by_cohort)[["cohort", "default_rate"]]
    x_title, y_title = t("portfolio.cohort.quarter"), t("column.default_rate")
    rate = column_kind("default_rate")
    return (
        alt.Chart(data)
        .mark_bar(color=GOOD)
        .encode(
            x=alt.X("cohort:O", title=x_title),
            y=alt.Y("default_rate:Q", title=y_title, axis=axis(rate, lang)),
            tooltip=[
                alt.Tooltip("cohort:O", title=x_title),
                alt.Tooltip("default_rate:Q", title=y_title, format=tooltip_format(rate)),
            ],
        )
    )


# --- the risk factors page's charts -------------------------------------------------------------------------------


def binning_chart(table: pd.DataFrame, t: Translate, *, lang: str = "en") -> alt.Chart:
    """Loans per bin (bars, left axis) with the bad rate (line, right axis), bins in the table's order."""
    data = _check(table)[["label", "count", "bad_rate"]]
    bin_title, count_title, rate_title = _label(t, "label"), _label(t, "count"), _label(t, "bad_rate")
    count, rate = column_kind("count"), column_kind("bad_rate")
    base = alt.Chart(data).encode(
        x=alt.X("label:N", title=bin_title, sort=list(data["label"]), axis=alt.Axis(labelAngle=-30)),
        tooltip=[
            alt.Tooltip("label:N", title=bin_title),
            alt.Tooltip("count:Q", title=count_title, format=tooltip_format(count)),
            alt.Tooltip("bad_rate:Q", title=rate_title, format=tooltip_format(rate)),
        ],
    )
    bars = base.mark_bar(color=OKABE_ITO["sky_blue"]).encode(
        y=alt.Y("count:Q", title=count_title, axis=axis(count, lang))
    )
    line = base.mark_line(point=alt.OverlayMarkDef(color=BAD), color=BAD).encode(
        y=alt.Y("bad_rate:Q", title=rate_title, axis=axis(rate, lang, titleColor=BAD))
    )
    return alt.layer(bars, line).resolve_scale(y="independent")


def iv_bars(ranking: pd.DataFrame, t: Translate, *, lang: str = "en") -> alt.Chart:
    """One bar per ranked factor: its information value, largest first."""
    return sorted_bars(
        ranking,
        category="factor",
        value="iv",
        category_title=_label(t, "factor"),
        value_title=_label(t, "iv"),
        lang=lang,
    ).properties(title=t("factors.iv_chart"))


def correlation_heatmap(matrix: pd.DataFrame, t: Translate, *, lang: str = "en") -> alt.Chart:
    """The correlation matrix as a blue-red heat map from -1 to 1, each cell labelled."""
    order = list(matrix.columns)
    data = _check(matrix.rename_axis("row").reset_index().melt(id_vars="row", var_name="column", value_name="r"))
    title = t("column.correlation")
    base = alt.Chart(data).encode(
        x=alt.X("column:N", title=None, sort=order, axis=alt.Axis(labelAngle=-35, labelLimit=200, labelOverlap=False)),
        y=alt.Y("row:N", title=None, sort=order, axis=alt.Axis(labelLimit=200)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("r:Q", title=title, scale=alt.Scale(scheme="redblue", domain=[-1, 1], reverse=True)),
        tooltip=[alt.Tooltip("row:N"), alt.Tooltip("column:N"), alt.Tooltip("r:Q", title=title, format=".3f")],
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("r:Q", format=".2f"),
        color=alt.condition("abs(datum.r) > 0.6", alt.value("white"), alt.value("black")),
    )
    return (cells + text).properties(height=alt.Step(32))


# --- the expert vs model and what-if pages' charts ----------------------------------------------------------------

DECISION_COLOURS = {"expert": OKABE_ITO["orange"], "current": OKABE_ITO["blue"]}


def strategy_chart(
    curve: pd.DataFrame,
    expert_point: tuple[float, float] | None,
    current: tuple[float, float] | None,
    t: Translate,
    *,
    lang: str = "en",
) -> alt.Chart:
    """Approval rate vs bad rate of approved as the model's cutoff moves, with the expert's point and the current
    cutoff marked; clicking a point selects its cutoff (selection parameter ``pick``)."""
    data = _check(curve)[["cutoff", "approval_rate", "bad_rate_approved"]].dropna()
    x_title, y_title = t("column.approval_rate"), t("column.bad_rate_approved")
    x_kind, y_kind = column_kind("approval_rate"), column_kind("bad_rate_approved")
    x = alt.X("approval_rate:Q", title=x_title, axis=axis(x_kind, lang), scale=alt.Scale(domain=[0, 1]))
    y = alt.Y("bad_rate_approved:Q", title=y_title, axis=axis(y_kind, lang))
    pick = alt.selection_point(name="pick", fields=["cutoff"], on="click", nearest=True, empty=False)
    tooltip = [
        alt.Tooltip("cutoff:Q", title=t("decisions.cutoff_pd"), format=tooltip_format("pd")),
        alt.Tooltip("approval_rate:Q", title=x_title, format=tooltip_format(x_kind)),
        alt.Tooltip("bad_rate_approved:Q", title=y_title, format=tooltip_format(y_kind)),
    ]
    line = alt.Chart(data).mark_line(color=NEUTRAL).encode(x=x, y=y)
    points = alt.Chart(data).mark_circle(size=40, opacity=0.15).encode(x=x, y=y, tooltip=tooltip).add_params(pick)
    names = {"expert": t("column.expert"), "current": t("decisions.point.current")}
    marks = [
        {"who": names[who], "approval_rate": xy[0], "bad_rate_approved": xy[1], "key": who}
        for who, xy in (("expert", expert_point), ("current", current))
        if xy is not None
    ]
    colour = alt.Color(
        "who:N",
        scale=alt.Scale(
            domain=[m["who"] for m in marks], range=[DECISION_COLOURS[m["key"]] for m in marks] or [NEUTRAL]
        ),
        legend=legend(),
    )
    marker = (
        alt.Chart(pd.DataFrame(marks, columns=["who", "approval_rate", "bad_rate_approved", "key"]))
        .mark_point(size=220, filled=True, shape="diamond")
        .encode(x=x, y=y, color=colour, tooltip=[alt.Tooltip("who:N", title=" "), *tooltip[1:]])
    )
    return alt.layer(line, points, marker)


def confusion_chart(
    table: pd.DataFrame, kind: str, t: Translate, *, outcome: str = "actual", lang: str = "en"
) -> alt.Chart:
    """A 2x2 matrix (``decisions.confusion_table``) as a heat map: counts with the row rate, coloured by row rate.
    ``kind`` is "agreement" (expert vs model) or "outcome" (decision vs the ``outcome`` in use: actual or
    simulated, named on the axis)."""
    data = _check(table).copy()
    data["actual_label"] = [t(f"decisions.label.{v}") for v in data["actual"]]
    data["predicted_label"] = [t(f"decisions.label.{v}") for v in data["predicted"]]
    data["text"] = [
        f"{n:,} ({r:.1%})" if r == r else f"{n:,}" for n, r in zip(data["n"], data["row_rate"], strict=True)
    ]
    rows = [t(f"decisions.label.{v}") for v in dict.fromkeys(data["actual"])]
    cols = [t(f"decisions.label.{v}") for v in ("approve", "reject")]
    y_title = t("column.expert") if kind == "agreement" else t(f"decisions.axis.{outcome}")
    x_title = _label(t, "model") if kind == "agreement" else t("decisions.axis.decision")
    base = alt.Chart(data).encode(
        x=alt.X("predicted_label:N", title=x_title, sort=cols, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("actual_label:N", title=y_title, sort=rows),
    )
    rate = tooltip_format("share")
    cells = base.mark_rect().encode(
        color=alt.Color("row_rate:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]), legend=None),
        tooltip=[
            alt.Tooltip("actual_label:N", title=y_title),
            alt.Tooltip("predicted_label:N", title=x_title),
            alt.Tooltip("n:Q", title=_label(t, "n"), format=tooltip_format("count")),
            alt.Tooltip("row_rate:Q", title=t("column.row_rate"), format=rate),
            alt.Tooltip("column_rate:Q", title=t("column.column_rate"), format=rate),
        ],
    )
    text = base.mark_text(fontSize=13).encode(
        text="text:N", color=alt.condition("datum.row_rate > 0.55", alt.value("white"), alt.value("black"))
    )
    return (cells + text).properties(height=150)


def officer_chart(frame: pd.DataFrame, t: Translate, *, lang: str = "en") -> alt.Chart:
    """Leniency per officer or branch (approval rate minus the model's on the same applications), most lenient on
    top; vermillion where overrides exceed the examiners' flag rate."""
    data = _check(frame)[["name", "leniency", "approval_rate", "model_approval_rate", "override_rate", "flag"]].copy()
    data["flagged"] = [t(f"decisions.flag.{bool(f)}") for f in data["flag"]]
    name_title, leniency_title = t("column.name"), t("column.leniency")
    leniency = column_kind("leniency")
    rate = tooltip_format("share")
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", title=name_title, sort=list(data["name"])),
            x=alt.X("leniency:Q", title=leniency_title, axis=axis(leniency, lang, format="+.0~%")),
            color=alt.Color(
                "flagged:N",
                scale=alt.Scale(
                    domain=[t("decisions.flag.True"), t("decisions.flag.False")], range=[BAD, OKABE_ITO["sky_blue"]]
                ),
                legend=legend(t("column.flag")),
            ),
            tooltip=[
                alt.Tooltip("name:N", title=name_title),
                alt.Tooltip("approval_rate:Q", title=t("column.approval_rate"), format=rate),
                alt.Tooltip("model_approval_rate:Q", title=t("column.model_approval_rate"), format=rate),
                alt.Tooltip("override_rate:Q", title=t("column.override_rate"), format=rate),
                alt.Tooltip("leniency:Q", title=leniency_title, format="+.2%"),
            ],
        )
    )


def waterfall_chart(
    contributions: pd.DataFrame, start: float, t: Translate, value: str = "points", *, lang: str = "en"
) -> alt.Chart:
    """From the reference applicant through each factor's contribution to this applicant, one labelled row each.

    Bars are drawn from zero, the reference applicant: a factor that changes nothing draws no bar, and the last
    bar is the whole difference. Every row is labelled: the reference's and the applicant's own score (or
    log-odds) and each factor's signed contribution.
    """
    steps = _check(contributions)[["factor", value]].reset_index(drop=True)
    ends = steps[value].cumsum()
    begins = ends - steps[value]
    kind = "coef" if value == "contribution" else "score"  # points are whole: a sum of rounded points
    total = float(steps[value].sum())
    final = start + total
    ref_label, app_label = t("column.reference"), t("whatif.applicant")
    rows = [{"label": ref_label, "low": 0.0, "high": 0.0, "delta": start, "kind": "total"}]
    rows += [
        {"label": f, "low": float(b), "high": float(e), "delta": float(d), "kind": "up" if d >= 0 else "down"}
        for f, b, e, d in zip(steps["factor"], begins, ends, steps[value], strict=True)
    ]
    rows.append({"label": app_label, "low": 0.0, "high": total, "delta": final, "kind": "total"})
    data = pd.DataFrame(rows)
    signed = [core.format_value(d, kind, lang, signed=True) if abs(d) > 1e-9 else "0" for d in data["delta"]]
    data["text"] = signed
    data.loc[0, "text"] = core.format_value(start, kind, lang)
    difference = core.format_value(total, kind, lang, signed=True)
    data.loc[len(data) - 1, "text"] = f"{core.format_value(final, kind, lang)} ({difference})"
    data["text_at"] = data[["low", "high"]].max(axis=1)
    span = max(float(data[["low", "high"]].abs().to_numpy().max()), 2.0 if value == "points" else 0.1)
    low_end = min(0.0, float(data["low"].min()), float(data["high"].min())) - 0.05 * span
    high_end = max(0.0, float(data["low"].max()), float(data["high"].max())) + 0.35 * span  # room for labels
    title = t("whatif.versus_reference", unit=_label(t, value))
    # More points is safer (blue); a higher log-odds contribution is riskier (vermillion).
    up, down = (GOOD, BAD) if value == "points" else (BAD, GOOD)
    colours = alt.Scale(domain=["total", "up", "down"], range=[NEUTRAL, up, down])
    order = list(data["label"])
    y = alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelOverlap=False, labelLimit=220))
    x_scale = alt.Scale(domain=[low_end, high_end], nice=False, zero=True)
    base = alt.Chart(data)
    bars = base.mark_bar().encode(
        y=y,
        x=alt.X("low:Q", title=title, axis=axis(column_kind(value), lang), scale=x_scale),
        x2="high:Q",
        color=alt.Color("kind:N", scale=colours, legend=None),
        tooltip=[alt.Tooltip("label:N", title=" "), alt.Tooltip("text:N", title=_label(t, value))],
    )
    labels = base.mark_text(align="left", dx=4, fontSize=12).encode(y=y, x="text_at:Q", text="text:N")
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color=NEUTRAL).encode(x="x:Q")
    return alt.layer(bars, labels, zero).properties(height=max(28 * len(data), 120))


# --- the Model page's charts: each with its title -----------------------------------------------------------------

SAMPLE_COLOURS = alt.Scale(range=[OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["green"]])


def _by_sample(frames: dict[str, pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """One long frame with a ``sample`` column (e.g. train, test) from frames keyed by their translated names."""
    parts = [_check(f)[columns].assign(sample=name) for name, f in frames.items() if f is not None]
    return pd.concat(parts, ignore_index=True)


def roc_chart(curves: dict[str, pd.DataFrame], t: Translate, *, lang: str = "en") -> alt.Chart:
    """ROC curves (``fpr``, ``tpr``) per sample with the diagonal of a random model."""
    data = _by_sample(curves, ["fpr", "tpr"])
    x_title, y_title, sample = t("column.fpr"), t("column.tpr"), t("column.sample")
    x_kind, y_kind = column_kind("fpr"), column_kind("tpr")
    x = alt.X("fpr:Q", title=x_title, axis=axis(x_kind, lang), scale=alt.Scale(domain=[0, 1]))
    y = alt.Y("tpr:Q", title=y_title, axis=axis(y_kind, lang), scale=alt.Scale(domain=[0, 1]))
    curves_ = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=x,
            y=y,
            color=alt.Color("sample:N", scale=SAMPLE_COLOURS, legend=legend(sample)),
            tooltip=[
                alt.Tooltip("sample:N", title=sample),
                alt.Tooltip("fpr:Q", title=x_title, format=tooltip_format(x_kind)),
                alt.Tooltip("tpr:Q", title=y_title, format=tooltip_format(y_kind)),
            ],
        )
    )
    diagonal = alt.Chart(pd.DataFrame({"fpr": [0.0, 1.0], "tpr": [0.0, 1.0]})).mark_line(color=NEUTRAL)
    chart = alt.layer(diagonal.encode(x=x, y=y, strokeDash=alt.value([4, 4])), curves_)
    return titled(chart, t("model.chart.roc_title"))


def ks_chart(curve: pd.DataFrame, t: Translate, *, lang: str = "en") -> alt.Chart:
    """Cumulative shares of bads and goods by population share (riskiest first); KS is the widest gap."""
    names = {"bads": t("model.chart.cum_bads"), "goods": t("model.chart.cum_goods")}
    data = _check(curve)[["population", "bads", "goods"]].melt("population", var_name="series", value_name="share")
    data["series"] = data["series"].map(names)
    x_title, y_title = t("column.population"), t("model.chart.cum_share")
    x_kind = column_kind("population")
    chart = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("population:Q", title=x_title, axis=axis(x_kind, lang)),
            y=alt.Y("share:Q", title=y_title, axis=axis("share", lang)),
            color=alt.Color(
                "series:N", scale=alt.Scale(domain=list(names.values()), range=[BAD, GOOD]), legend=legend()
            ),
            tooltip=[
                alt.Tooltip("series:N", title=" "),
                alt.Tooltip("population:Q", title=x_title, format=tooltip_format(x_kind)),
                alt.Tooltip("share:Q", title=y_title, format=tooltip_format("share")),
            ],
        )
    )
    return titled(chart, t("model.chart.ks_title"))


def calibration_chart(deciles: dict[str, pd.DataFrame], t: Translate, *, lang: str = "en") -> alt.Chart:
    """Observed default rate against mean predicted PD per decile and sample, with the line of perfect calibration."""
    data = _by_sample(deciles, ["decile", "mean_pd", "observed_rate", "loans"])
    x_title, y_title, sample = t("column.mean_pd"), t("column.observed_rate"), t("column.sample")
    x_kind, y_kind = column_kind("mean_pd"), column_kind("observed_rate")
    top = float(max(data["mean_pd"].max(), data["observed_rate"].max(), 0.01))
    x = alt.X("mean_pd:Q", title=x_title, axis=axis(x_kind, lang), scale=alt.Scale(domain=[0, top]))
    y = alt.Y("observed_rate:Q", title=y_title, axis=axis(y_kind, lang), scale=alt.Scale(domain=[0, top]))
    points = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=x,
            y=y,
            color=alt.Color("sample:N", scale=SAMPLE_COLOURS, legend=legend(sample)),
            tooltip=[
                alt.Tooltip("sample:N", title=sample),
                alt.Tooltip("decile:O", title=t("column.decile")),
                alt.Tooltip("mean_pd:Q", title=x_title, format=tooltip_format(x_kind)),
                alt.Tooltip("observed_rate:Q", title=y_title, format=tooltip_format(y_kind)),
                alt.Tooltip("loans:Q", title=t("column.loans"), format=tooltip_format(column_kind("loans"))),
            ],
        )
    )
    ideal = alt.Chart(pd.DataFrame({"mean_pd": [0.0, top], "observed_rate": [0.0, top]})).mark_line(color=NEUTRAL)
    chart = alt.layer(ideal.encode(x=x, y=y, strokeDash=alt.value([4, 4])), points)
    return titled(chart, t("model.chart.calibration_title"))


def score_distribution_chart(histogram: pd.DataFrame, t: Translate, *, lang: str = "en") -> alt.Chart:
    """Goods and bads per score band (``score_low``, ``score_high``, ``goods``, ``bads``), each as a share of its
    class, so the two distributions compare at any default rate."""
    data = _check(histogram).copy()
    data["mid"] = (data["score_low"] + data["score_high"]) / 2
    names = {"goods": t("model.chart.goods"), "bads": t("model.chart.bads")}
    long = data.melt(["mid", "score_low", "score_high"], ["goods", "bads"], var_name="series", value_name="loans")
    totals = long.groupby("series")["loans"].transform("sum")
    long["share"] = long["loans"] / totals.where(totals > 0, 1)
    long["series"] = long["series"].map(names)
    x_title, y_title = t("column.score"), t("model.chart.share_of_class")
    score = column_kind("score")
    chart = (
        alt.Chart(long)
        .mark_area(opacity=0.45, interpolate="step", line=True)
        .encode(
            x=alt.X("mid:Q", title=x_title, scale=alt.Scale(zero=False), axis=axis(score, lang)),
            y=alt.Y("share:Q", title=y_title, axis=axis("share", lang), stack=None),
            color=alt.Color(
                "series:N", scale=alt.Scale(domain=list(names.values()), range=[GOOD, BAD]), legend=legend()
            ),
            tooltip=[
                alt.Tooltip("series:N", title=" "),
                alt.Tooltip("score_low:Q", title=x_title, format=tooltip_format(score)),
                alt.Tooltip("loans:Q", title=t("column.loans"), format=tooltip_format(column_kind("loans"))),
                alt.Tooltip("share:Q", title=y_title, format=tooltip_format("share")),
            ],
        )
    )
    return titled(chart, t("model.chart.score_distribution_title"))


# --- monitoring ---------------------------------------------------------------------------------------------------

LIGHT_COLOURS = {"green": OKABE_ITO["green"], "yellow": OKABE_ITO["yellow"], "red": OKABE_ITO["vermillion"]}
PSI_COLOURS = {"stable": OKABE_ITO["blue"], "minor_shift": OKABE_ITO["orange"], "major_shift": OKABE_ITO["vermillion"]}


def _period_x(t: Translate) -> alt.X:
    return alt.X("period:O", title=t("column.period"), axis=alt.Axis(labelAngle=-45, labelOverlap=True))


def psi_chart(periods: pd.DataFrame, t: Translate, *, lang: str = "en") -> alt.Chart:
    """Score PSI per period, bars coloured by stability band, with the 0.10 and 0.25 thresholds as rules."""
    data = _check(periods)[["period", "psi", "psi_band", "loans"]].dropna(subset=["psi"]).copy()
    data["band_label"] = data["psi_band"].map(lambda b: t(f"factors.psi.{b}"))
    domain = [t(f"factors.psi.{b}") for b in PSI_COLOURS]
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=_period_x(t),
            y=alt.Y("psi:Q", title=t("column.psi"), axis=axis("statistic", lang)),
            color=alt.Color(
                "band_label:N",
                scale=alt.Scale(domain=domain, range=list(PSI_COLOURS.values())),
                legend=legend(t("column.psi_band")),
            ),
            tooltip=[
                alt.Tooltip("period:O", title=t("column.period")),
                alt.Tooltip("psi:Q", title=t("column.psi"), format=tooltip_format("statistic")),
                alt.Tooltip("band_label:N", title=t("column.psi_band")),
                alt.Tooltip("loans:Q", title=t("column.loans"), format=tooltip_format("count")),
            ],
        )
    )
    rules = alt.Chart(pd.DataFrame({"psi": [0.10, 0.25]})).mark_rule(color=NEUTRAL, strokeDash=[4, 4]).encode(y="psi:Q")
    return titled(alt.layer(bars, rules), t("monitoring.chart_psi"))


def band_share_heatmap(bands: pd.DataFrame, order: list[str], t: Translate, *, lang: str = "en") -> alt.Chart:
    """Each period's share of loans per score band (``order``: the bands from the riskiest), development first."""
    chart = heatmap(
        bands,
        x="period",
        y="band",
        value="share",
        x_title=t("column.period"),
        y_title=t("column.score"),
        value_title=t("column.share"),
        x_order=list(dict.fromkeys(bands["period"])),
        y_order=order[::-1],
        labels=False,
        lang=lang,
    )
    return titled(chart, t("monitoring.chart_bands"))


def period_line(periods: pd.DataFrame, column: str, title: str, t: Translate, *, lang: str = "en") -> alt.Chart:
    """One figure (the approval rate ...) per period as a line with points."""
    data = _check(periods)[["period", column]].dropna()
    kind = column_kind(column)
    chart = (
        alt.Chart(data)
        .mark_line(point=True, color=GOOD)
        .encode(
            x=_period_x(t),
            y=alt.Y(f"{column}:Q", title=t(core.column(column).label_key), axis=axis(kind, lang)),
            tooltip=[
                alt.Tooltip("period:O", title=t("column.period")),
                alt.Tooltip(f"{column}:Q", title=t(core.column(column).label_key), format=tooltip_format(kind)),
            ],
        )
    )
    return titled(chart, title)


def backtest_chart(periods: pd.DataFrame, t: Translate, *, lang: str = "en") -> alt.Chart:
    """Mean predicted PD (line) and realised default rate (points in the traffic light's colour) per period;
    periods whose outcome window is open have no realised point."""
    data = _check(periods)[["period", "mean_pd", "default_rate", "traffic_light", "loans"]].copy()
    predicted = (
        alt.Chart(data)
        .mark_line(color=NEUTRAL, strokeDash=[6, 3])
        .encode(x=_period_x(t), y=alt.Y("mean_pd:Q", title=t("column.pd"), axis=axis("pd", lang)))
    )
    realised_data = data.dropna(subset=["default_rate"]).copy()
    realised_data["light"] = realised_data["traffic_light"].map(lambda v: t(f"monitoring.light.{v}"))
    domain = [t(f"monitoring.light.{k}") for k in LIGHT_COLOURS]
    realised = (
        alt.Chart(realised_data)
        .mark_point(filled=True, size=70, stroke="black", strokeWidth=0.5)
        .encode(
            x=_period_x(t),
            y=alt.Y("default_rate:Q"),
            color=alt.Color(
                "light:N",
                scale=alt.Scale(domain=domain, range=list(LIGHT_COLOURS.values())),
                legend=legend(t("column.traffic_light")),
            ),
            tooltip=[
                alt.Tooltip("period:O", title=t("column.period")),
                alt.Tooltip("default_rate:Q", title=t("monitoring.realised"), format=tooltip_format("share")),
                alt.Tooltip("mean_pd:Q", title=t("column.mean_pd"), format=tooltip_format("pd")),
                alt.Tooltip("light:N", title=t("column.traffic_light")),
                alt.Tooltip("loans:Q", title=t("column.loans"), format=tooltip_format("count")),
            ],
        )
    )
    return titled(alt.layer(predicted, realised), t("monitoring.chart_backtest"))


def auc_chart(periods: pd.DataFrame, development_auc: float | None, t: Translate, *, lang: str = "en") -> alt.Chart:
    """AUC per period with its DeLong interval as a band, and the development AUC as a rule."""
    data = _check(periods)[["period", "auc", "auc_low", "auc_high"]].dropna()
    x = _period_x(t)
    band = alt.Chart(data).mark_area(opacity=0.25, color=GOOD).encode(x=x, y="auc_low:Q", y2="auc_high:Q")
    line = (
        alt.Chart(data)
        .mark_line(point=True, color=GOOD)
        .encode(
            x=x,
            y=alt.Y("auc:Q", title=t("column.auc"), axis=axis("statistic", lang), scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("period:O", title=t("column.period")),
                alt.Tooltip("auc:Q", title=t("column.auc"), format=tooltip_format("statistic")),
                alt.Tooltip("auc_low:Q", title=t("column.auc_low"), format=tooltip_format("statistic")),
                alt.Tooltip("auc_high:Q", title=t("column.auc_high"), format=tooltip_format("statistic")),
            ],
        )
    )
    layers = [band, line]
    if development_auc is not None:
        rule = pd.DataFrame({"auc": [development_auc]})
        layers.append(alt.Chart(rule).mark_rule(color=BAD, strokeDash=[4, 4]).encode(y="auc:Q"))
    return titled(alt.layer(*layers), t("monitoring.chart_auc"))


def csi_heatmap(characteristics: pd.DataFrame, t: Translate, *, lang: str = "en") -> alt.Chart:
    """CSI per factor (rows) and period (columns)."""
    chart = heatmap(
        characteristics,
        x="period",
        y="factor",
        value="csi",
        x_title=t("column.period"),
        y_title=t("column.factor"),
        value_title=t("column.csi"),
        value_kind="statistic",
        labels=False,
        lang=lang,
    )
    return titled(chart, t("monitoring.chart_csi")).configure_axisY(labelLimit=LABEL_LIMIT)


def points_shift_lines(characteristics: pd.DataFrame, t: Translate, *, lang: str = "en") -> alt.Chart:
    """The points shift of each factor per period, one line per factor, with zero (development) as a rule."""
    data = _check(characteristics)[["factor", "period", "points_shift"]].dropna()
    factors = list(dict.fromkeys(data["factor"]))
    lines_ = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=_period_x(t),
            y=alt.Y("points_shift:Q", title=t("column.points_shift"), axis=axis("number", lang)),
            color=alt.Color(
                "factor:N",
                sort=factors,
                scale=alt.Scale(
                    domain=factors, range=[SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in range(len(factors))]
                ),
                legend=legend(t("column.factor")),
            ),
            strokeDash=alt.StrokeDash(
                "factor:N", sort=factors, scale=alt.Scale(domain=factors), legend=legend(t("column.factor"))
            ),
            tooltip=[
                alt.Tooltip("factor:N", title=t("column.factor")),
                alt.Tooltip("period:O", title=t("column.period")),
                alt.Tooltip("points_shift:Q", title=t("column.points_shift"), format=tooltip_format("number")),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"points_shift": [0.0]})).mark_rule(color=NEUTRAL).encode(y="points_shift:Q")
    return titled(alt.layer(zero, lines_), t("monitoring.chart_shift"))


# --- provisions, ECL and pricing ------------------------------------------------------------------------------------


def provision_trend(
    trend: pd.DataFrame,
    keys: tuple[str, ...],
    t: Translate,
    *,
    minimum: float | None = None,
    y_max: float | None = None,
    lang: str = "en",
) -> alt.Chart:
    """Provision ratios (coverage, provision-to-loan, reserve adequacy) by month, with the red-flag ``minimum`` as
    a dashed rule; ``y_max`` cuts the axis (the coverage of the first months, with little NPL, runs into
    thousands of percent)."""
    chart = _monthly_ratios(trend, {key: _label(t, key) for key in keys}, t, lang, y_max)
    if minimum is None:
        return chart
    rule = alt.Chart(pd.DataFrame({"minimum": [minimum]})).mark_rule(color=BAD, strokeDash=[6, 4])
    return chart + rule.encode(y="minimum:Q")


def ecl_bars(by_segment: pd.DataFrame, t: Translate, *, lang: str = "en") -> alt.Chart:
    """ECL per segment, stacked by stage (stage 1 at the bottom)."""
    data = _check(by_segment)[["segment", "stage", "ecl"]]
    data = data.assign(stage_name=[t("provisions.stage_name", stage=int(s)) for s in data["stage"]])
    order = [t("provisions.stage_name", stage=s) for s in (1, 2, 3)]
    segment, stage, ecl = t("role.segment"), t("column.stage"), t("column.ecl")
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("segment:N", title=segment, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("ecl:Q", title=ecl, axis=axis("amount", lang)),
            color=alt.Color(
                "stage_name:N",
                sort=order,
                scale=alt.Scale(domain=order, range=[GOOD, NEUTRAL, BAD]),
                legend=legend(stage),
            ),
            order=alt.Order("stage:Q"),
            tooltip=[
                alt.Tooltip("segment:N", title=segment),
                alt.Tooltip("stage_name:N", title=stage),
                alt.Tooltip("ecl:Q", title=ecl, format=tooltip_format("amount")),
            ],
        )
    )


def migration_heatmap(moves: pd.DataFrame, t: Translate, *, lang: str = "en") -> alt.Chart:
    """The stage migration matrix (share of each start stage's balance by state at the end) as a heat map."""
    names = {s: t(f"provisions.state.{s}") for s in ("stage_1", "stage_2", "stage_3", "closed")}
    return _transition_heatmap(moves, names, ("from_stage", "to_stage"), 3, t, lang)


def pricing_chart(by_band: pd.DataFrame, band: str, t: Translate, *, lang: str = "en") -> alt.Chart:
    """Break-even and charged rate per band (``grade`` or ``score_band``), side by side."""
    names = {key: _label(t, key) for key in ("break_even_rate", "charged_rate")}
    data = _check(by_band)[[band, *names]].copy()
    data[band] = data[band].astype(str)
    long = data.melt(id_vars=band, var_name="series", value_name="rate")
    long["series"] = long["series"].map(names)
    order = list(data[band])
    band_title, rate_title, series_title = _label(t, band), t("chart.ratio"), t("chart.series")
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X(f"{band}:N", title=band_title, sort=order, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("series:N", sort=list(names.values())),
            y=alt.Y("rate:Q", title=rate_title, axis=axis("share", lang)),
            color=alt.Color(
                "series:N",
                sort=list(names.values()),
                scale=alt.Scale(domain=list(names.values()), range=[BAD, GOOD]),
                legend=legend(series_title),
            ),
            tooltip=[
                alt.Tooltip(f"{band}:N", title=band_title),
                alt.Tooltip("series:N", title=series_title),
                alt.Tooltip("rate:Q", title=rate_title, format=tooltip_format("share")),
            ],
        )
    )
