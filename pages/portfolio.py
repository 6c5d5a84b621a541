"""Portfolio: loan-book quality at a glance (KPIs, trends, five categories, vintages, roll rates, breakdowns)."""

import functools

import pandas as pd
import streamlit as st

from analytics import charts as builders
from analytics import core, datasets, portfolio, reports, store
from ui import cache, charts, database, session, tables, text, widgets
from ui import provisions as provisions_ui

con = database.connect()
table = database.active_table(con)
st.title(text.t("nav.portfolio"))
if table is None:
    st.info(text.t("app.no_tables"))
    st.stop()
context = datasets.table_context(con, table)
missing = portfolio.missing_roles(context)

# --- a loan-level table (no monthly history): default rates by origination quarter and by dimension -------------
if missing:
    st.info(text.t("portfolio.loan_level", table=table, missing=", ".join(map(text.labels("role"), missing))))
    performance = next(
        (
            other
            for other in store.user_tables(con)
            if other != table and not portfolio.missing_roles(datasets.table_context(con, other))
        ),
        None,
    )
    if performance and widgets.opened_tab({"provisions": "provisions"}):
        # a link to a tab of the monthly view (Home's "Provisions and ECL") opens it on the table that has one
        session.put("table", performance)
        st.rerun()
    if performance:
        switch = text.t("portfolio.switch", table=performance)
        if st.button(switch, key=session.widget("pf_switch"), type="primary"):
            session.put("table", performance)
            st.rerun()

    dimensions = portfolio.resolve_dimensions(context)
    options = cache.data(portfolio.filter_options, con, table, dimensions, depends_on=context.version)
    chosen = widgets.filters("pf_filter", options, text.named(portfolio.DIMENSION_LABELS), text.t("portfolio.all"))
    result = cache.data(portfolio.loan_level, con, context, portfolio.Filters(**chosen))
    if result.definition is None:
        st.warning(text.t("portfolio.no_definition", table=table))
        st.stop()
    rate = text.figure(result.summary["default_rate"], "share")
    st.subheader(text.t("portfolio.summary", **result.summary, rate=rate))
    if not result.by_cohort.empty:
        charts.show(builders.cohort_default_bars, result.by_cohort)
        tables.show(result.by_cohort, download=f"{table}_default_rate_by_quarter.csv")
    if result.by_dimension:
        dimension = st.selectbox(
            text.t("portfolio.dimension"),
            list(result.by_dimension),
            format_func=text.named(portfolio.DIMENSION_LABELS),
            key=session.widget("pf_ll_dimension", options=list(result.by_dimension)),
        )
        by_dimension = result.by_dimension[dimension]
        charts.show(builders.breakdown_bars, by_dimension, dimension, "default_rate")
        groups = by_dimension.rename(columns={"group": text.t(portfolio.DIMENSION_LABELS[dimension])})
        tables.show(groups, download=f"{table}_default_rate_by_{dimension}.csv")
    st.stop()

# --- a performance table (loan x month) ------------------------------------------------------------------------
source = widgets.attempt(cache.data, portfolio.resolve, con, context)
if source is None:
    st.stop()
if not portfolio.summary_ready(con, source):  # once per import: later figures read months x dimensions
    with st.spinner(text.t("portfolio.preparing", table=table)):
        widgets.attempt(portfolio.prepare_summary, con, source)
months = cache.data(portfolio.months, con, source, depends_on=context.version)
options = cache.data(portfolio.source_filter_options, con, source, depends_on=context.version)

with st.container(border=True):
    as_of_column, period_column = st.columns([1, 3])
    as_of = as_of_column.selectbox(
        text.t("portfolio.as_of"),
        months[::-1],
        format_func=text.formatter("month"),
        key=session.widget("pf_as_of", default=months[-1], options=months),
    )
    period = period_column.select_slider(
        text.t("portfolio.period"),
        months,
        format_func=text.formatter("month"),
        **session.range_widget("pf_period", default=(months[0], months[-1]), options=months),
    )
    chosen = widgets.filters("pf_filter", options, text.named(portfolio.DIMENSION_LABELS), text.t("portfolio.all"))
filters = portfolio.Filters(**chosen, start=period[0], end=period[1])
now = filters.without_period()  # KPIs, roll rates, breakdowns: the as-of month and its comparisons

kpis = widgets.attempt(cache.data, portfolio.kpis, con, source, filters=now, as_of=as_of, depends_on=context.version)
if kpis is None:
    st.stop()
caption = text.t("portfolio.caption", table=table, as_of=text.date(kpis.as_of))
st.caption(caption)
if source.classification_derived:
    st.info(text.t("portfolio.derived"))

thresholds = portfolio.load_thresholds(con)
flagged = [kpi for kpi in portfolio.KPIS if kpi.red_above is not None]
new_thresholds = {}
with st.expander(text.t("portfolio.thresholds")):
    for kpi, column in zip(flagged, st.columns(len(flagged)), strict=True):
        percent = column.number_input(
            text.t("portfolio.threshold_for", kpi=text.t(kpi.label_key)),
            0.0,
            100.0,
            step=0.5,
            key=session.widget("pf_thr", kpi.key, default=thresholds[kpi.key] * 100),
        )
        new_thresholds[kpi.key] = percent / 100
    if st.button(text.t("portfolio.save_thresholds"), key=session.widget("pf_save_thresholds")):
        widgets.save(lambda: portfolio.save_thresholds(con, new_thresholds), text.t("portfolio.thresholds_saved"))
        thresholds = portfolio.load_thresholds(con)

history = kpis.history.tail(13)
tiles = [tile for _ in range(0, len(portfolio.KPIS), 4) for tile in st.columns(4)]
key_figures = []  # the tiles as the HTML report's table
for kpi, tile in zip(portfolio.KPIS, tiles, strict=False):
    kind = core.column(kpi.key).kind
    figure = kpis.get(kpi.key)
    shown = text.figure(figure.value, kind, compact=True)
    red = portfolio.is_red(kpi.key, figure.value, thresholds)
    change_month = text.change(figure.change_month, kind)
    change_year = text.change(figure.change_year, kind) or "-"
    tile.metric(
        text.t(kpi.label_key),
        f":red[{shown}]" if red else shown,
        change_month,
        border=True,
        delta_color="inverse" if kpi.higher_is_worse else "normal",
        help=text.t(f"portfolio.help.{kpi.key}"),
        delta_description=text.t("portfolio.vs_month"),
        chart_data=history[kpi.key].fillna(0).tolist(),
    )
    year = text.t("portfolio.vs_year", change=change_year)
    if red:
        limit = text.t("portfolio.red", limit=text.figure(thresholds[kpi.key], "share"))
        year = f"{year} · :red[{limit}]"
    tile.caption(year)
    key_figures.append(
        {"kpi": text.t(kpi.label_key), "value": shown, "change_month": change_month or "-", "change_year": change_year}
    )

report = charts.Report()  # the charts of the HTML report, built only when it is downloaded
sheets = {"kpis": kpis.frame()}  # the tables of the Excel workbook
sheet_kinds = {}  # per sheet, the kinds of pivoted columns the column registry does not know
tab_names = [
    text.t("portfolio.tab_trends"),
    text.t("portfolio.tab_classes"),
    text.t("portfolio.tab_provisions"),
    text.t("portfolio.tab_vintages"),
    text.t("portfolio.tab_rolls"),
    text.t("portfolio.tab_breakdowns"),
    text.t("portfolio.tab_concentration"),
    text.t("tab.export"),
]
opened = widgets.opened_tab({"provisions": text.t("portfolio.tab_provisions")})  # the Home page's link
trends_tab, classes_tab, provisions_tab, vintages_tab, rolls_tab, breakdowns_tab, concentration_tab, export_tab = (
    st.tabs(tab_names, default=opened)
)

with trends_tab:
    trend = cache.data(portfolio.monthly, con, source, filters=filters, depends_on=context.version)
    report.show(text.t("portfolio.tab_trends"), builders.ratio_trend, trend)
    left, right = st.columns(2)
    report.show(text.t("portfolio.kpi.disbursed"), builders.amount_bars, trend, "disbursed", where=left)
    report.show(text.t("portfolio.kpi.outstanding"), builders.amount_bars, trend, "outstanding", where=right)
    tables.show(trend, download=f"{table}_monthly.csv")
    sheets["monthly"] = trend

with classes_tab:
    mix = cache.data(portfolio.classification_mix, con, source, filters=filters, depends_on=context.version)
    report.show(text.t("portfolio.tab_classes"), builders.class_mix, mix)
    class_names = {c.key: text.t(f"outcome.category.{c.key}") for c in datasets.FIVE_CATEGORIES}
    by_class = portfolio.classification_table(mix).rename(columns=class_names)
    class_kinds = dict.fromkeys(class_names.values(), "amount")
    tables.show(by_class, kinds=class_kinds, download=f"{table}_classification_mix.csv")
    sheets["classification_mix"] = by_class
    sheet_kinds["classification_mix"] = class_kinds

with provisions_tab:
    provision_exports = provisions_ui.provisions_tab(con, context, source, filters, as_of, months, report)
    sheets |= provision_exports.sheets
    sheet_kinds |= provision_exports.kinds

with vintages_tab:
    left, right = st.columns(2)
    by = left.radio(
        text.column("cohort"),
        ["quarter", "month"],
        horizontal=True,
        format_func=text.labels("portfolio.cohort"),
        key=session.widget("pf_cohort"),
    )
    curve = right.radio(
        text.t("portfolio.curve"),
        ["default_rate", "ever30_rate", "ever90_rate"],
        horizontal=True,
        format_func=text.column_labels(),
        key=session.widget("pf_curve"),
    )
    curves = cache.data(portfolio.vintages, con, source, filters=filters, by=by, depends_on=context.version)
    st.caption(text.t("portfolio.vintage_note"))
    report.show(text.t("portfolio.tab_vintages"), builders.vintage_curves, curves, curve)
    vintage = portfolio.vintage_table(curves, curve)
    vintage_kinds = dict.fromkeys(vintage.columns.drop("cohort"), "share")  # the months on book
    tables.show(vintage, kinds=vintage_kinds, download=f"{table}_vintage_{curve}.csv")
    sheets[f"vintage_{curve}"] = vintage
    sheet_kinds[f"vintage_{curve}"] = vintage_kinds

with rolls_tab:
    window = st.slider(
        text.t("portfolio.window"), 1, 12, key=session.widget("pf_window", default=portfolio.DEFAULT_WINDOW)
    )
    st.caption(text.t("portfolio.roll_note", window=window))
    rates = widgets.attempt(
        cache.data,
        portfolio.roll_rates,
        con,
        source,
        filters=now,
        window=window,
        as_of=as_of,
        depends_on=context.version,
    )
    if rates is not None and not rates.empty:
        report.show(text.t("portfolio.tab_rolls"), builders.roll_rate_heatmap, rates, portfolio.ROLL_STATES)
        matrix = portfolio.roll_rate_matrix(rates, text.labels("portfolio.state")).reset_index()
        matrix_kinds = dict.fromkeys(matrix.columns.drop("from_state"), "share")
        tables.show(matrix, kinds=matrix_kinds, download=f"{table}_roll_rates.csv")
        sheets["roll_rates"] = matrix
        sheet_kinds["roll_rates"] = matrix_kinds

with breakdowns_tab:
    left, right = st.columns(2)
    dimension = left.selectbox(
        text.t("portfolio.dimension"),
        source.dimension_keys,
        format_func=text.named(portfolio.DIMENSION_LABELS),
        key=session.widget("pf_dimension", options=source.dimension_keys),
    )
    measure = right.selectbox(
        text.t("portfolio.measure"),
        ["par30", "par90", "npl_ratio", "default_rate_12m", "outstanding"],
        format_func=text.column_labels(),
        key=session.widget("pf_measure"),
    )
    heat_measure = measure if measure in ("par30", "npl_ratio") else "par30"
    by_dimension = cache.data(
        portfolio.breakdown, con, source, dimension=dimension, filters=now, as_of=as_of, depends_on=context.version
    )
    heat = cache.data(
        portfolio.dimension_trend, con, source, dimension=dimension, filters=filters, depends_on=context.version
    )
    dimension_name = text.t(portfolio.DIMENSION_LABELS[dimension])
    report.show(dimension_name, builders.breakdown_bars, by_dimension, dimension, measure)
    groups = by_dimension.rename(columns={"group": dimension_name})  # headed by the dimension, not "Group"
    tables.show(groups, download=f"{table}_by_{dimension}.csv")
    sheets[f"by_{dimension}"] = groups
    st.caption(text.t("portfolio.heatmap", measure=text.column(heat_measure), dimension=dimension_name))
    charts.show(builders.dimension_heatmap, heat, dimension, heat_measure)

with concentration_tab:
    concentration = cache.data(
        portfolio.concentration, con, source, filters=now, as_of=as_of, depends_on=context.version
    )
    top_name = text.t("portfolio.top_share" if concentration.by_borrower else "portfolio.top_loans_share")
    st.metric(top_name, text.figure(concentration.top_share, "share"))
    tables.show(concentration.top, download=f"{table}_top_borrowers.csv")
    sheets["top_borrowers"] = concentration.top
    st.caption(text.t("portfolio.hhi_note"))
    hhi = concentration.hhi.assign(dimension=concentration.hhi["dimension"].map(text.named(portfolio.DIMENSION_LABELS)))
    tables.show(hhi, download=f"{table}_hhi.csv")
    sheets["hhi"] = hhi

with export_tab:
    st.caption(text.t("portfolio.export_note"))
    stamp = f"{table}_portfolio_{as_of:%Y-%m}"
    workbook = functools.partial(portfolio.excel_workbook, sheets, text.lang(), sheet_kinds)
    st.download_button(text.t("portfolio.download_excel"), workbook, f"{stamp}.xlsx", key=session.widget("pf_excel"))
    title = text.t("portfolio.report_title", table=table)
    key_table = pd.DataFrame(key_figures).rename(columns=text.column_labels())
    report_tables = {text.t("portfolio.kpi_table"): key_table}
    if provision_exports.key_figures is not None:
        report_tables[text.t("portfolio.tab_provisions")] = provision_exports.key_figures.rename(
            columns=text.column_labels()
        )
    st.download_button(
        text.t("portfolio.download_html"),
        lambda: reports.page_report(title, caption, report_tables, report.drawn(), text.lang()),
        f"{stamp}.html",
        "text/html",
        key=session.widget("pf_html"),
    )
