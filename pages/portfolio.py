"""Portfolio: loan-book quality at a glance (KPIs, trends, five categories, vintages, roll rates, breakdowns)."""

from functools import partial

import streamlit as st

import ui
from analytics import charts, datasets, portfolio
from analytics.core import TEXT

con = ui.db()
table = ui.active_table(con)
st.title(ui.t("nav.portfolio"))
saved = st.session_state.setdefault("portfolio_filters", {})  # survives page switches (not a widget key)
export, figures = {}, {}  # tables for the workbook, chart specs for the HTML report


def widget(kind, name: str, label: str, options: list, default, **kwargs):
    """A filter widget restored from and saved to ``portfolio_filters`` (values no longer offered are dropped)."""
    value = saved.get(name, default)
    if isinstance(default, list):
        value = [v for v in value if v in options]
    elif not set(value if isinstance(default, tuple) else [value]) <= set(options):
        value = default
    saved[name] = value
    if st.session_state.get(f"pf_{name}", kwargs.get("value")) != value:  # restore: Streamlit forgot the widget
        st.session_state[f"pf_{name}"] = value
    keep = lambda: saved.update({name: st.session_state[f"pf_{name}"]})  # noqa: E731
    return kind(label, options, key=f"pf_{name}", on_change=keep, **kwargs)


def label(key: str) -> str:
    return ui.t(f"portfolio.col.{key}") if f"portfolio.col.{key}" in TEXT else key


def show(frame, name: str, percent: bool = False) -> None:
    """A table with translated headers and formatted numbers, its CSV download, and a sheet in the workbook."""
    export[name] = frame
    numbers = list(frame.select_dtypes("number"))
    ratios = [c for c in numbers if percent or c in charts.RATIO_COLUMNS]  # shown as percentages, two decimals
    formats = {c: ui.PERCENT_FORMAT if c in ratios else "localized" for c in numbers}
    config = {label(c): st.column_config.NumberColumn(format=f) for c, f in formats.items()}
    st.dataframe(ui.as_percentages(frame, ratios).rename(columns=label), hide_index=True, column_config=config)
    ui.download_csv(frame, f"{table}_{name}.csv")


def chart(figure, heading: str, where=st) -> None:
    where.altair_chart(figure, width="stretch")
    figures[heading] = figure.to_json()


def dimension_filters(options: dict) -> dict:
    for col, (key, values) in zip(st.columns(max(len(options), 1)), options.items(), strict=False):
        widget(col.multiselect, key, ui.t(f"portfolio.dim.{key}"), values, [], placeholder=ui.t("portfolio.all"))
    return {key: tuple(saved.get(key, [])) for key in options}


def pick_dimension(keys, name: str, where=st) -> str:
    return where.selectbox(
        ui.t("portfolio.dimension"), keys, key=name, format_func=lambda k: ui.t(f"portfolio.dim.{k}")
    )


def loan_level_view(missing: list[str]) -> None:
    """What a loan-level table allows: default rates by origination quarter and by dimension."""
    st.info(ui.t("portfolio.loan_level", table=table, missing=", ".join(ui.role_label(r) for r in missing)))
    others = [t for t in ui.portfolio_tables(con) if t != table]
    if others and st.button(ui.t("portfolio.switch", table=others[0]), key="pf_switch", type="primary"):
        st.session_state["table"] = others[0]
        st.rerun()
    dims = portfolio.resolve_dimensions(con, table, datasets.table_roles(con, table))
    filters = portfolio.Filters(**dimension_filters(portfolio.filter_options(con, table, dims)))
    result = ui.portfolio_loan_level(con, table, filters)
    if result.definition is None:
        st.warning(ui.t("portfolio.no_definition", table=table))
        return
    rate = portfolio.format_value(result.summary["default_rate"], "ratio")
    st.subheader(ui.t("portfolio.summary", **result.summary, rate=rate))
    if not result.by_cohort.empty:
        st.vega_lite_chart(ui.chart_spec("cohort_default_bars", result.by_cohort), width="stretch")
        show(result.by_cohort.rename(columns={"value": "cohort"}), "default_rate_by_quarter")
    if result.by_dimension:
        key = pick_dimension(list(result.by_dimension), "pf_ll_dimension")
        spec = ui.chart_spec("breakdown_bars", result.by_dimension[key], key, "default_rate")
        st.vega_lite_chart(spec, width="stretch")
        show(result.by_dimension[key], f"default_rate_by_{key}")


if table is None:
    st.info(ui.t("app.no_tables"))
    st.stop()
if missing := ui.portfolio_missing(con, table):
    loan_level_view(missing)
    st.stop()
if (source := ui.attempt(ui.portfolio_source, con, table)) is None:
    st.stop()
if not portfolio.summary_ready(con, source):  # once per import: later figures read months x dimensions
    with st.spinner(ui.t("portfolio.preparing", table=table)):
        ui.attempt(portfolio.prepare_summary, con, source)
months = ui.portfolio_figure(con, "months", source)
month_text = "{:%Y-%m}".format
with st.container(border=True):
    top = st.columns([1, 3])
    as_of = widget(top[0].selectbox, "as_of", ui.t("portfolio.as_of"), months[::-1], months[-1], format_func=month_text)
    period = widget(
        top[1].select_slider,
        "period",
        ui.t("portfolio.period"),
        months,
        (months[0], months[-1]),
        format_func=month_text,
        value=(months[0], months[-1]),
    )
    chosen = dimension_filters(ui.portfolio_figure(con, "filter_options", source))
filters = portfolio.Filters(**chosen, start=period[0], end=period[1])
now = filters.without_period()  # KPIs, roll rates, breakdowns: the as-of month and its comparisons
if (kpis := ui.attempt(ui.portfolio_figure, con, "kpis", source, filters=now, as_of=as_of)) is None:
    st.stop()
st.caption(caption := ui.t("portfolio.caption", table=table, as_of=ui.date(kpis.as_of)))
if source.classification_derived:
    st.info(ui.t("portfolio.derived"))

thresholds = portfolio.load_thresholds(con)
with st.expander(ui.t("portfolio.thresholds")):
    cols = st.columns(len(ratio_kpis := [k for k in portfolio.KPIS if k.red_above is not None]))
    new = {
        k.key: cols[i].number_input(
            ui.t("portfolio.threshold_for", kpi=ui.t(k.label_key)),
            0.0,
            100.0,
            thresholds[k.key] * 100,
            0.5,
            key=f"pf_thr_{k.key}",
        )
        / 100
        for i, k in enumerate(ratio_kpis)
    }
    if st.button(ui.t("portfolio.save_thresholds"), key="pf_save_thresholds"):
        ui.save(lambda: portfolio.save_thresholds(con, new), ui.t("portfolio.thresholds_saved"))
        thresholds = portfolio.load_thresholds(con)

history = kpis.history.tail(13)
text = partial(portfolio.format_value, lang=ui.lang())
change = partial(portfolio.format_change, points=lambda pp: ui.t("portfolio.pp", value=pp), lang=ui.lang())
tiles = [tile for _ in range(0, len(portfolio.KPIS), 4) for tile in st.columns(4)]
for kpi, tile in zip(portfolio.KPIS, tiles, strict=False):
    value, shown = kpis.get(kpi.key), text(kpis.get(kpi.key).value, kpi.kind)
    red, delta = portfolio.is_red(kpi.key, value.value, thresholds), change(value.change_month, kpi.kind)
    with tile:
        st.metric(
            ui.t(kpi.label_key),
            f":red[{shown}]" if red else shown,
            delta,
            border=True,
            delta_color="inverse" if kpi.higher_is_worse else "normal",
            help=ui.t(f"portfolio.help.{kpi.key}"),
            delta_description=ui.t("portfolio.vs_month"),
            chart_data=history[kpi.key].fillna(0).tolist(),
        )
        year = ui.t("portfolio.vs_year", change=change(value.change_year, kpi.kind) or "-")
        st.caption(f"{year} · :red[{ui.t('portfolio.red', limit=text(thresholds[kpi.key], 'ratio'))}]" if red else year)
export["kpis"] = kpis.frame()

names = ("trends", "classes", "vintages", "rolls", "breakdowns", "concentration", "export")
tabs = dict(zip(names, st.tabs([ui.t(f"portfolio.tab_{n}") for n in names]), strict=True))
with tabs["trends"]:
    trend = ui.portfolio_figure(con, "monthly", source, filters=filters)
    chart(charts.ratio_trend(trend, ui.t), ui.t("portfolio.tab_trends"))
    left, right = st.columns(2)
    chart(charts.amount_bars(trend, "disbursed", ui.t), ui.t("portfolio.kpi.disbursed"), left)
    chart(charts.amount_bars(trend, "outstanding", ui.t, "#6a3d9a"), ui.t("portfolio.kpi.outstanding"), right)
    show(trend, "monthly")

with tabs["classes"]:
    mix = ui.portfolio_figure(con, "classification_mix", source, filters=filters)
    chart(charts.class_mix(mix, ui.t), ui.t("portfolio.tab_classes"))
    wide = portfolio.classification_table(mix)
    show(wide.rename(columns=lambda k: ui.t(f"outcome.category.{k}") if k != "month" else k), "classification_mix")

with tabs["vintages"]:
    left, right = st.columns(2)
    by = left.radio(
        ui.t("portfolio.cohort_by"),
        ["quarter", "month"],
        horizontal=True,
        key="pf_cohort",
        format_func=lambda k: ui.t(f"portfolio.cohort.{k}"),
    )
    curve = right.radio(
        ui.t("portfolio.curve"),
        ["default_rate", "ever30_rate", "ever90_rate"],
        horizontal=True,
        key="pf_curve",
        format_func=label,
    )
    curves = ui.portfolio_figure(con, "vintages", source, filters=filters, by=by)
    st.caption(ui.t("portfolio.vintage_note"))
    chart(charts.vintage_curves(curves, curve, ui.t), ui.t("portfolio.tab_vintages"))
    show(portfolio.vintage_table(curves, curve), f"vintage_{curve}", percent=True)

with tabs["rolls"]:
    window = st.slider(ui.t("portfolio.window"), 1, 12, portfolio.DEFAULT_WINDOW, key="pf_window")
    st.caption(ui.t("portfolio.roll_note", window=window))
    rates = ui.attempt(ui.portfolio_figure, con, "roll_rates", source, filters=now, window=window, as_of=as_of)
    if rates is not None and not rates.empty:
        chart(charts.roll_rate_heatmap(rates, portfolio.ROLL_STATES, ui.t), ui.t("portfolio.tab_rolls"))
        matrix = portfolio.roll_rate_matrix(rates, lambda k: ui.t(f"portfolio.state.{k}")).reset_index()
        show(matrix.rename(columns={"from_state": label("from_state")}), "roll_rates", percent=True)

with tabs["breakdowns"]:
    left, right = st.columns(2)
    dim = pick_dimension(source.dimension_keys, "pf_dimension", left)
    measures = ["par30", "par90", "npl_ratio", "default_rate_12m", "outstanding"]
    measure = right.selectbox(ui.t("portfolio.measure"), measures, key="pf_measure", format_func=label)
    frame = ui.portfolio_figure(con, "breakdown", source, dimension=dim, filters=now, as_of=as_of)
    chart(charts.breakdown_bars(frame, dim, measure, ui.t), ui.t(f"portfolio.dim.{dim}"))
    show(frame, f"by_{dim}")
    heat = ui.portfolio_figure(con, "dimension_trend", source, dimension=dim, filters=filters)
    hm = measure if measure in ("par30", "npl_ratio") else "par30"
    st.caption(ui.t("portfolio.heatmap", measure=label(hm), dimension=ui.t(f"portfolio.dim.{dim}")))
    st.altair_chart(charts.dimension_heatmap(heat, dim, hm, ui.t), width="stretch")

with tabs["concentration"]:
    conc = ui.portfolio_figure(con, "concentration", source, filters=now, as_of=as_of)
    top = ui.t("portfolio.top_share" if conc.by_borrower else "portfolio.top_loans_share")
    st.metric(top, text(conc.top_share, "ratio"))
    show(conc.top, "top_borrowers")
    st.caption(ui.t("portfolio.hhi_note"))
    show(conc.hhi.assign(dimension=[ui.t(f"portfolio.dim.{k}") for k in conc.hhi["dimension"]]), "hhi")

with tabs["export"]:
    st.caption(ui.t("portfolio.export_note"))
    stamp = f"{table}_portfolio_{as_of:%Y-%m}"
    st.download_button(
        ui.t("portfolio.download_excel"), lambda: portfolio.excel_workbook(export), f"{stamp}.xlsx", key="pf_excel"
    )
    kpi_table = export["kpis"].assign(kpi=[ui.t(f"portfolio.kpi.{k}") for k in export["kpis"]["kpi"]])
    report = portfolio.report_html(
        ui.t("portfolio.report_title", table=table),
        caption,
        {ui.t("portfolio.kpi_table"): kpi_table.rename(columns=label)},
        figures,
    )
    st.download_button(ui.t("portfolio.download_html"), report, f"{stamp}.html", "text/html", key="pf_html")
