"""Pure chart builders: an aggregated DataFrame in, an ``alt.Chart`` out (no Streamlit, no data access).

Titles come in as arguments, already translated by the page. Frames are small (one row per month, cohort x
months on book, or bucket pair); ``MAX_ROWS`` guards against passing loan-level data by mistake.
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd

from analytics.datasets import FIVE_CATEGORIES

MAX_ROWS = 5_000
MONTH_FORMAT = "%Y-%m"  # numeric months read the same in English and Chinese
# Five categories, best to worst: green, yellow, orange, red, dark red.
CATEGORY_COLOURS = ("#2e7d32", "#f9a825", "#ef6c00", "#c62828", "#6a1b1a")


def _check(frame: pd.DataFrame) -> pd.DataFrame:
    if len(frame) > MAX_ROWS:
        raise ValueError(f"a chart gets aggregated data: {len(frame)} rows is more than {MAX_ROWS}")
    return frame


def _axis_format(percent: bool) -> str:
    return ".1%" if percent else ",.0f"


def lines(
    frame: pd.DataFrame,
    x: str,
    series: dict[str, str],
    *,
    x_title: str,
    y_title: str,
    legend_title: str,
    percent: bool = True,
) -> alt.Chart:
    """One line per column of ``series`` (column -> legend label) over ``x`` (e.g. PAR30, PAR90, NPL by month)."""
    long = _check(frame)[[x, *series]].melt(id_vars=x, var_name="series", value_name="value")
    long["series"] = long["series"].map(series)
    long[x] = pd.to_datetime(long[x]) if x == "month" else long[x]
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                f"{x}:{'T' if x == 'month' else 'Q'}",
                title=x_title,
                axis=alt.Axis(format=MONTH_FORMAT) if x == "month" else alt.Undefined,
            ),
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=_axis_format(percent))),
            color=alt.Color("series:N", title=legend_title, sort=list(series.values())),
            strokeDash=alt.StrokeDash("series:N", title=legend_title, sort=list(series.values())),
            tooltip=[
                alt.Tooltip(f"{x}:{'T' if x == 'month' else 'Q'}", title=x_title),
                alt.Tooltip("series:N", title=legend_title),
                alt.Tooltip("value:Q", title=y_title, format=".2%" if percent else ",.0f"),
            ],
        )
    )


def monthly_bars(frame: pd.DataFrame, y: str, *, x_title: str, y_title: str, colour: str = "#1f77b4") -> alt.Chart:
    """Bars of one amount by month (e.g. disbursed, or gross outstanding)."""
    data = _check(frame)[["month", y]].assign(month=lambda f: pd.to_datetime(f["month"]))
    return (
        alt.Chart(data)
        .mark_bar(color=colour)
        .encode(
            x=alt.X("yearmonth(month):T", title=x_title, axis=alt.Axis(format=MONTH_FORMAT)),
            y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format="~s")),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title=x_title),
                alt.Tooltip(f"{y}:Q", title=y_title, format=",.0f"),
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
    colours: tuple[str, ...] = CATEGORY_COLOURS,
) -> alt.Chart:
    """Stacked areas of ``y`` by ``x`` and ``colour`` in ``order`` (the five-category mix of balances)."""
    data = _check(frame)[[x, colour, y]].copy()
    data[x] = pd.to_datetime(data[x])
    data["stack"] = data[colour].map({label: i for i, label in enumerate(order)})
    return (
        alt.Chart(data)
        .mark_area()
        .encode(
            x=alt.X(f"{x}:T", title=x_title, axis=alt.Axis(format=MONTH_FORMAT)),
            y=alt.Y(f"{y}:Q", title=y_title, stack="zero", axis=alt.Axis(format="~s")),
            color=alt.Color(
                f"{colour}:N", title=legend_title, sort=order, scale=alt.Scale(domain=order, range=list(colours))
            ),
            order=alt.Order("stack:Q"),
            tooltip=[
                alt.Tooltip(f"{x}:T", title=x_title, format="%Y-%m"),
                alt.Tooltip(f"{colour}:N", title=legend_title),
                alt.Tooltip(f"{y}:Q", title=y_title, format=",.0f"),
            ],
        )
    )


def cohort_lines(
    frame: pd.DataFrame, *, x: str, y: str, cohort: str, x_title: str, y_title: str, legend_title: str
) -> alt.Chart:
    """One line per cohort of a rate by months on book (vintage curves)."""
    data = _check(frame)[[x, y, cohort]]
    return (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X(f"{x}:Q", title=x_title),
            y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=".0%")),
            color=alt.Color(f"{cohort}:N", title=legend_title, scale=alt.Scale(scheme="viridis")),
            tooltip=[
                alt.Tooltip(f"{cohort}:N", title=legend_title),
                alt.Tooltip(f"{x}:Q", title=x_title),
                alt.Tooltip(f"{y}:Q", title=y_title, format=".2%"),
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
    percent: bool = True,
    labels: bool = True,
    temporal_x: bool = False,
) -> alt.Chart:
    """Cells coloured by ``value`` (roll-rate matrix, or a dimension x month heat map), with the value printed."""
    data = _check(frame)[[x, y, value]].copy()
    if temporal_x:
        data[x] = pd.to_datetime(data[x])
    fmt = ".1%" if percent else ",.0f"
    x_enc = (
        alt.X(f"yearmonth({x}):O", title=x_title, axis=alt.Axis(format=MONTH_FORMAT))
        if temporal_x
        else alt.X(f"{x}:N", title=x_title, sort=x_order, axis=alt.Axis(labelAngle=-30, labelOverlap=False))
    )
    base = alt.Chart(data).encode(x=x_enc, y=alt.Y(f"{y}:N", title=y_title, sort=y_order))
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(scheme="orangered"), legend=None),
        tooltip=[
            alt.Tooltip(f"{y}:N", title=y_title),
            alt.Tooltip(f"yearmonth({x}):O" if temporal_x else f"{x}:N", title=x_title),
            alt.Tooltip(f"{value}:Q", title=value_title, format=".2%" if percent else ",.0f"),
        ],
    )
    if not labels:
        return cells
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text(f"{value}:Q", format=fmt),
        color=alt.condition(f"datum['{value}'] > 0.5", alt.value("white"), alt.value("black")),
    )
    return cells + text


def sorted_bars(
    frame: pd.DataFrame, *, category: str, value: str, category_title: str, value_title: str, percent: bool = True
) -> alt.Chart:
    """Horizontal bars sorted from the largest value down (breakdowns by branch, officer ...)."""
    data = _check(frame)[[category, value]]
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", title=category_title, sort="-x"),
            x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=_axis_format(percent) if percent else "~s")),
            color=alt.Color(f"{value}:Q", scale=alt.Scale(scheme="orangered"), legend=None),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=category_title),
                alt.Tooltip(f"{value}:Q", title=value_title, format=".2%" if percent else ",.0f"),
            ],
        )
    )


# --- the portfolio page's charts: ``t`` translates a key (the page passes ``ui.t``) ----------------------------------

Translate = Callable[[str], str]
RATIO_COLUMNS = frozenset(
    {
        "par30",
        "par90",
        "npl_ratio",
        "write_off_ratio",
        "default_rate_12m",
        "default_rate",
        "share",
        "ever30_rate",
        "ever90_rate",
    }
)


def ratio_trend(monthly: pd.DataFrame, t: Translate) -> alt.Chart:
    """PAR30, PAR90 and NPL ratio by month."""
    names = {key: t(f"portfolio.kpi.{key}") for key in ("par30", "par90", "npl_ratio")}
    return lines(
        monthly, "month", names, x_title=t("chart.month"), y_title=t("chart.ratio"), legend_title=t("chart.series")
    )


def amount_bars(monthly: pd.DataFrame, column: str, t: Translate, colour: str = "#1f77b4") -> alt.Chart:
    """Disbursed (or outstanding) by month."""
    return monthly_bars(monthly, column, x_title=t("chart.month"), y_title=t(f"portfolio.kpi.{column}"), colour=colour)


def class_mix(mix: pd.DataFrame, t: Translate) -> alt.Chart:
    """Stacked balances of the five categories by month, normal at the bottom, loss on top."""
    order = [t(c.label_key) for c in FIVE_CATEGORIES]
    data = mix.assign(cls=[t(f"outcome.category.{k}") for k in mix["category"]])
    return stacked_area(
        data,
        x="month",
        y="balance",
        colour="cls",
        order=order,
        x_title=t("chart.month"),
        y_title=t("chart.balance"),
        legend_title=t("chart.class"),
    )


def vintage_curves(curves: pd.DataFrame, metric: str, t: Translate) -> alt.Chart:
    """One line per origination cohort of ``metric`` (default_rate, ever30_rate, ever90_rate) by months on book."""
    return cohort_lines(
        curves,
        x="mob",
        y=metric,
        cohort="cohort",
        x_title=t("chart.mob"),
        y_title=t(f"portfolio.col.{metric}"),
        legend_title=t("chart.cohort"),
    )


def roll_rate_heatmap(rates: pd.DataFrame, states: tuple[str, ...], t: Translate) -> alt.Chart:
    """The roll-rate matrix (share of each from-bucket's balance by next-month state) as a heat map."""
    names = {s: t(f"portfolio.state.{s}") for s in states}
    cells = rates.assign(frm=rates["from_state"].map(names), to=rates["to_state"].map(names))
    order = list(names.values())
    return heatmap(
        cells,
        x="to",
        y="frm",
        value="share",
        x_title=t("chart.to"),
        y_title=t("chart.from"),
        value_title=t("chart.share"),
        x_order=order,
        y_order=order,
    )


def breakdown_bars(frame: pd.DataFrame, dimension: str, measure: str, t: Translate) -> alt.Chart:
    """One bar per dimension value, sorted by ``measure``."""
    return sorted_bars(
        frame,
        category="value",
        value=measure,
        category_title=t(f"portfolio.dim.{dimension}"),
        value_title=t(f"portfolio.col.{measure}"),
        percent=measure in RATIO_COLUMNS,
    )


def dimension_heatmap(trend: pd.DataFrame, dimension: str, measure: str, t: Translate) -> alt.Chart:
    """Dimension value x month, coloured by ``measure`` (PAR30 or NPL ratio)."""
    return heatmap(
        trend,
        x="month",
        y="value",
        value=measure,
        x_title=t("chart.month"),
        labels=False,
        temporal_x=True,
        y_title=t(f"portfolio.dim.{dimension}"),
        value_title=t(f"portfolio.col.{measure}"),
    )


def cohort_default_bars(by_cohort: pd.DataFrame, t: Translate) -> alt.Chart:
    """Default rate by origination quarter (loan-level tables)."""
    data = _check(by_cohort)[["value", "default_rate"]]
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("value:O", title=t("portfolio.cohort.quarter")),
            y=alt.Y("default_rate:Q", title=t("portfolio.col.default_rate"), axis=alt.Axis(format=".0%")),
            tooltip=[alt.Tooltip("value:O"), alt.Tooltip("default_rate:Q", format=".2%")],
        )
    )


# --- the risk factors page's charts -------------------------------------------------------------------------------


def binning_chart(table: pd.DataFrame, t: Translate) -> alt.Chart:
    """Loans per bin (bars, left axis) with the bad rate (line, right axis), bins in the table's order."""
    data = _check(table)[["label", "count", "bad_rate"]]
    bin_title, count_title, rate_title = t("factors.col.label"), t("factors.col.count"), t("factors.col.bad_rate")
    base = alt.Chart(data).encode(
        x=alt.X("label:N", title=bin_title, sort=list(data["label"]), axis=alt.Axis(labelAngle=-30)),
        tooltip=[
            alt.Tooltip("label:N", title=bin_title),
            alt.Tooltip("count:Q", title=count_title, format=",.0f"),
            alt.Tooltip("bad_rate:Q", title=rate_title, format=".2%"),
        ],
    )
    bars = base.mark_bar(color="#9ecae1").encode(y=alt.Y("count:Q", title=count_title))
    line = base.mark_line(point=alt.OverlayMarkDef(color="#c62828"), color="#c62828").encode(
        y=alt.Y("bad_rate:Q", title=rate_title, axis=alt.Axis(format=".0%"))
    )
    return alt.layer(bars, line).resolve_scale(y="independent")


def correlation_heatmap(matrix: pd.DataFrame, t: Translate) -> alt.Chart:
    """The correlation matrix as a red-blue heat map from -1 to 1, each cell labelled."""
    order = list(matrix.columns)
    data = _check(matrix.rename_axis("row").reset_index().melt(id_vars="row", var_name="column", value_name="r"))
    title = t("factors.col.correlation")
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

DECISION_COLOURS = {"expert": "#c62828", "current": "#1f77b4"}


def strategy_chart(
    curve: pd.DataFrame, expert_point: tuple[float, float] | None, current: tuple[float, float] | None, t: Translate
) -> alt.Chart:
    """Approval rate vs bad rate of approved as the model's cutoff moves, with the expert's point and the current
    cutoff marked; clicking a point selects its cutoff (selection parameter ``pick``)."""
    data = _check(curve)[["cutoff", "approval_rate", "bad_rate_approved"]].dropna()
    x_title, y_title = t("decisions.metric.approval_rate"), t("decisions.metric.bad_rate_approved")
    x = alt.X("approval_rate:Q", title=x_title, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1]))
    y = alt.Y("bad_rate_approved:Q", title=y_title, axis=alt.Axis(format=".1%"))
    pick = alt.selection_point(name="pick", fields=["cutoff"], on="click", nearest=True, empty=False)
    tooltip = [
        alt.Tooltip("cutoff:Q", title=t("decisions.cutoff_pd"), format=".3f"),
        alt.Tooltip("approval_rate:Q", title=x_title, format=".1%"),
        alt.Tooltip("bad_rate_approved:Q", title=y_title, format=".2%"),
    ]
    line = alt.Chart(data).mark_line(color="#555").encode(x=x, y=y)
    points = alt.Chart(data).mark_circle(size=40, opacity=0.15).encode(x=x, y=y, tooltip=tooltip).add_params(pick)
    marks = [
        {"who": t(f"decisions.point.{who}"), "approval_rate": xy[0], "bad_rate_approved": xy[1], "key": who}
        for who, xy in (("expert", expert_point), ("current", current))
        if xy is not None
    ]
    legend = alt.Color(
        "who:N",
        title=None,
        scale=alt.Scale(
            domain=[m["who"] for m in marks], range=[DECISION_COLOURS[m["key"]] for m in marks] or ["#000"]
        ),
    )
    marker = (
        alt.Chart(pd.DataFrame(marks, columns=["who", "approval_rate", "bad_rate_approved", "key"]))
        .mark_point(size=220, filled=True, shape="diamond")
        .encode(x=x, y=y, color=legend, tooltip=[alt.Tooltip("who:N", title=" "), *tooltip[1:]])
    )
    return alt.layer(line, points, marker)


def confusion_chart(table: pd.DataFrame, kind: str, t: Translate) -> alt.Chart:
    """A 2x2 matrix (``decisions.confusion_table``) as a heat map: counts with the row rate, coloured by row rate."""
    data = _check(table).copy()
    data["actual_label"] = [t(f"decisions.label.{v}") for v in data["actual"]]
    data["predicted_label"] = [t(f"decisions.label.{v}") for v in data["predicted"]]
    data["text"] = [
        f"{n:,} ({r:.1%})" if r == r else f"{n:,}" for n, r in zip(data["n"], data["row_rate"], strict=True)
    ]
    rows = [t(f"decisions.label.{v}") for v in dict.fromkeys(data["actual"])]
    cols = [t(f"decisions.label.{v}") for v in ("approve", "reject")]
    y_title = t("decisions.axis.expert") if kind == "agreement" else t("decisions.axis.actual")
    x_title = t("decisions.axis.model") if kind == "agreement" else t("decisions.axis.decision")
    base = alt.Chart(data).encode(
        x=alt.X("predicted_label:N", title=x_title, sort=cols, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("actual_label:N", title=y_title, sort=rows),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("row_rate:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]), legend=None),
        tooltip=[
            alt.Tooltip("actual_label:N", title=y_title),
            alt.Tooltip("predicted_label:N", title=x_title),
            alt.Tooltip("n:Q", title=t("decisions.col.loans"), format=",.0f"),
            alt.Tooltip("row_rate:Q", title=t("decisions.col.row_rate"), format=".1%"),
            alt.Tooltip("column_rate:Q", title=t("decisions.col.column_rate"), format=".1%"),
        ],
    )
    text = base.mark_text(fontSize=13).encode(
        text="text:N", color=alt.condition("datum.row_rate > 0.55", alt.value("white"), alt.value("black"))
    )
    return (cells + text).properties(height=150)


def officer_chart(frame: pd.DataFrame, t: Translate) -> alt.Chart:
    """Leniency per officer or branch (approval rate minus the model's on the same applications), most lenient on
    top; red where overrides exceed the examiners' flag rate."""
    data = _check(frame)[["name", "leniency", "approval_rate", "model_approval_rate", "override_rate", "flag"]].copy()
    data["flagged"] = [t(f"decisions.flag.{bool(f)}") for f in data["flag"]]
    name_title = t("decisions.col.name")
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", title=name_title, sort=list(data["name"])),
            x=alt.X("leniency:Q", title=t("decisions.col.leniency"), axis=alt.Axis(format="+.0%")),
            color=alt.Color(
                "flagged:N",
                title=t("decisions.col.flag"),
                scale=alt.Scale(
                    domain=[t("decisions.flag.True"), t("decisions.flag.False")], range=["#c62828", "#9ecae1"]
                ),
            ),
            tooltip=[
                alt.Tooltip("name:N", title=name_title),
                alt.Tooltip("approval_rate:Q", title=t("decisions.col.approval_rate"), format=".1%"),
                alt.Tooltip("model_approval_rate:Q", title=t("decisions.col.model_approval_rate"), format=".1%"),
                alt.Tooltip("override_rate:Q", title=t("decisions.col.override_rate"), format=".1%"),
                alt.Tooltip("leniency:Q", title=t("decisions.col.leniency"), format="+.1%"),
            ],
        )
    )


def waterfall_chart(contributions: pd.DataFrame, start: float, t: Translate, value: str = "points") -> alt.Chart:
    """From the reference applicant's score (or log-odds) through each factor's contribution to the applicant's."""
    steps = _check(contributions)[["factor", value]].reset_index(drop=True)
    ends = start + steps[value].cumsum()
    begins = ends - steps[value]
    ref_label, app_label = t("whatif.reference"), t("whatif.applicant")
    rows = [{"label": ref_label, "low": None, "high": start, "delta": start, "kind": "total"}]
    rows += [
        {"label": f, "low": b, "high": e, "delta": d, "kind": "up" if d >= 0 else "down"}
        for f, b, e, d in zip(steps["factor"], begins, ends, steps[value], strict=True)
    ]
    final = start + float(steps[value].sum())
    rows.append({"label": app_label, "low": None, "high": final, "delta": final, "kind": "total"})
    data = pd.DataFrame(rows)
    values = pd.concat([data["high"], data["low"].dropna()])
    pad = max(0.1 * float(values.max() - values.min()), 2.0 if value == "points" else 0.1)
    floor, ceiling = float(values.min()) - pad, float(values.max()) + pad
    data["low"] = data["low"].fillna(floor)
    title = t(f"whatif.col.{value}")
    colours = alt.Scale(domain=["total", "up", "down"], range=["#9e9e9e", "#2e7d32", "#c62828"])
    if value == "contribution":  # log-odds of default: up is riskier
        colours = alt.Scale(domain=["total", "up", "down"], range=["#9e9e9e", "#c62828", "#2e7d32"])
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("label:N", title=None, sort=list(data["label"]), axis=alt.Axis(labelAngle=-30, labelLimit=160)),
            y=alt.Y("low:Q", title=title, scale=alt.Scale(domain=[floor, ceiling], nice=False)),
            y2="high:Q",
            color=alt.Color("kind:N", scale=colours, legend=None),
            tooltip=[alt.Tooltip("label:N", title=" "), alt.Tooltip("delta:Q", title=title, format="+,.2f")],
        )
    )


# --- the Model page's charts --------------------------------------------------------------------------------------

SAMPLE_COLOURS = alt.Scale(range=["#1f77b4", "#ef6c00"])


def _by_sample(frames: dict[str, pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """One long frame with a ``sample`` column (e.g. train, test) from frames keyed by their translated names."""
    parts = [_check(f)[columns].assign(sample=name) for name, f in frames.items() if f is not None]
    return pd.concat(parts, ignore_index=True)


def roc_chart(curves: dict[str, pd.DataFrame], t: Translate) -> alt.Chart:
    """ROC curves (``fpr``, ``tpr``) per sample with the diagonal of a random model."""
    data = _by_sample(curves, ["fpr", "tpr"])
    x_title, y_title, sample = t("model.chart.fpr"), t("model.chart.tpr"), t("model.chart.sample")
    x = alt.X("fpr:Q", title=x_title, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1]))
    y = alt.Y("tpr:Q", title=y_title, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1]))
    lines = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=x,
            y=y,
            color=alt.Color("sample:N", title=sample, scale=SAMPLE_COLOURS),
            tooltip=[
                alt.Tooltip("sample:N", title=sample),
                alt.Tooltip("fpr:Q", title=x_title, format=".1%"),
                alt.Tooltip("tpr:Q", title=y_title, format=".1%"),
            ],
        )
    )
    diagonal = alt.Chart(pd.DataFrame({"fpr": [0.0, 1.0], "tpr": [0.0, 1.0]})).mark_line(color="#9e9e9e")
    return alt.layer(diagonal.encode(x=x, y=y, strokeDash=alt.value([4, 4])), lines)


def ks_chart(curve: pd.DataFrame, t: Translate) -> alt.Chart:
    """Cumulative shares of bads and goods by population share (riskiest first); KS is the widest gap."""
    names = {"bads": t("model.chart.cum_bads"), "goods": t("model.chart.cum_goods")}
    data = _check(curve)[["population", "bads", "goods"]].melt("population", var_name="series", value_name="share")
    data["series"] = data["series"].map(names)
    x_title, y_title = t("model.chart.population"), t("model.chart.cum_share")
    return (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("population:Q", title=x_title, axis=alt.Axis(format=".0%")),
            y=alt.Y("share:Q", title=y_title, axis=alt.Axis(format=".0%")),
            color=alt.Color(
                "series:N", title=None, scale=alt.Scale(domain=list(names.values()), range=["#c62828", "#2e7d32"])
            ),
            tooltip=[
                alt.Tooltip("series:N", title=" "),
                alt.Tooltip("population:Q", title=x_title, format=".1%"),
                alt.Tooltip("share:Q", title=y_title, format=".1%"),
            ],
        )
    )


def calibration_chart(deciles: dict[str, pd.DataFrame], t: Translate) -> alt.Chart:
    """Observed default rate against mean predicted PD per decile and sample, with the line of perfect calibration."""
    data = _by_sample(deciles, ["decile", "mean_pd", "observed_rate", "loans"])
    x_title, y_title, sample = t("model.chart.mean_pd"), t("model.chart.observed_rate"), t("model.chart.sample")
    top = float(max(data["mean_pd"].max(), data["observed_rate"].max(), 0.01))
    x = alt.X("mean_pd:Q", title=x_title, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, top]))
    y = alt.Y("observed_rate:Q", title=y_title, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, top]))
    points = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=x,
            y=y,
            color=alt.Color("sample:N", title=sample, scale=SAMPLE_COLOURS),
            tooltip=[
                alt.Tooltip("sample:N", title=sample),
                alt.Tooltip("decile:O", title=t("model.col.decile")),
                alt.Tooltip("mean_pd:Q", title=x_title, format=".2%"),
                alt.Tooltip("observed_rate:Q", title=y_title, format=".2%"),
                alt.Tooltip("loans:Q", title=t("model.col.loans"), format=",.0f"),
            ],
        )
    )
    ideal = alt.Chart(pd.DataFrame({"mean_pd": [0.0, top], "observed_rate": [0.0, top]})).mark_line(color="#9e9e9e")
    return alt.layer(ideal.encode(x=x, y=y, strokeDash=alt.value([4, 4])), points)


def score_distribution_chart(histogram: pd.DataFrame, t: Translate) -> alt.Chart:
    """Goods and bads per score band (``score_low``, ``score_high``, ``goods``, ``bads``), each as a share of its
    class, so the two distributions compare at any default rate."""
    data = _check(histogram).copy()
    data["mid"] = (data["score_low"] + data["score_high"]) / 2
    names = {"goods": t("model.chart.goods"), "bads": t("model.chart.bads")}
    long = data.melt(["mid", "score_low", "score_high"], ["goods", "bads"], var_name="series", value_name="loans")
    totals = long.groupby("series")["loans"].transform("sum")
    long["share"] = long["loans"] / totals.where(totals > 0, 1)
    long["series"] = long["series"].map(names)
    x_title, y_title = t("model.chart.score"), t("model.chart.share_of_class")
    return (
        alt.Chart(long)
        .mark_area(opacity=0.45, interpolate="step")
        .encode(
            x=alt.X("mid:Q", title=x_title, scale=alt.Scale(zero=False)),
            y=alt.Y("share:Q", title=y_title, axis=alt.Axis(format=".0%"), stack=None),
            color=alt.Color(
                "series:N", title=None, scale=alt.Scale(domain=list(names.values()), range=["#2e7d32", "#c62828"])
            ),
            tooltip=[
                alt.Tooltip("series:N", title=" "),
                alt.Tooltip("score_low:Q", title=x_title, format=",.0f"),
                alt.Tooltip("loans:Q", title=t("model.col.loans"), format=",.0f"),
                alt.Tooltip("share:Q", title=y_title, format=".1%"),
            ],
        )
    )
