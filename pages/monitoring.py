"""Monitoring: is the saved model still right, period by period? Score stability, factors, back-testing, alerts."""

import datetime as dt

import streamlit as st

from analytics import charts as builders
from analytics import core, datasets, model, monitoring
from ui import cache, charts, database, session, tables, text, widgets

con = database.connect()
table = database.active_table(con)
st.title(text.t("nav.monitoring"))
widgets.flash()
if table is None:
    st.info(text.t("app.no_tables"))
    st.stop()
ctx = datasets.table_context(con, table)

# --- what to monitor, and how -------------------------------------------------------------------------------------

with st.container(border=True):
    model_cell, period_cell, as_of_cell, window_cell = st.columns([2, 1, 1, 1])
    saved = widgets.model_picker(con, table, "mon_model", model_cell)
    cut_off = widgets.attempt(cache.data, monitoring.data_cut_off, con, ctx)
    if cut_off is None:
        st.stop()
    period = period_cell.radio(
        text.column("period"),
        list(monitoring.PERIODS),
        format_func=text.labels("monitoring.period"),
        horizontal=True,
        key=session.widget("mon_period", default="month"),
    )
    as_of = as_of_cell.date_input(text.t("monitoring.as_of"), key=session.widget("mon_as_of", default=cut_off))
    window = window_cell.number_input(
        text.t("monitoring.window"), 0, 120, step=1, key=session.widget("mon_window", default=12)
    )
    cutoff_cell, yellow_cell, red_cell = st.columns([2, 1, 1])
    cutoff = widgets.pd_cutoff(text.t("monitoring.cutoff"), "mon_cutoff", cutoff_cell)
    yellow = yellow_cell.number_input(
        text.t("monitoring.yellow_p"),
        0.001,
        0.5,
        step=0.01,
        format="%.3f",
        key=session.widget("mon_yellow", default=0.05),
    )
    red = red_cell.number_input(
        text.t("monitoring.red_p"), 0.0001, 0.5, step=0.005, format="%.4f", key=session.widget("mon_red", default=0.01)
    )

settings = widgets.attempt(
    monitoring.Settings,
    period=period,
    as_of=as_of,
    window_months=int(window),
    cutoff=float(cutoff),
    yellow_p=float(yellow),
    red_p=float(red),
)
if settings is None:
    st.stop()
models_version = model.models_version(con)
dev_version = ctx.version if saved.spec.table == table else datasets.table_context(con, saved.spec.table).version
dev = widgets.attempt(
    cache.data, monitoring.development, con, saved.name, saved.version, depends_on=(models_version, dev_version)
)
if dev is None:
    st.stop()
result = widgets.attempt(
    cache.data,
    monitoring.monitor,
    con,
    ctx,
    saved.name,
    saved.version,
    settings,
    depends_on=(models_version, dev_version),
    unhashed={"dev": dev},
)
if result is None:
    st.stop()
st.caption(text.t("monitoring.intro", table=table, model=saved.name, version=saved.version, loans=dev.loans))
if ctx.definition is None:
    st.info(text.t("monitoring.no_outcome", table=table))

st.subheader(text.t("monitoring.alerts"))
for alert in result.alerts:
    st.warning(alert.message(text.lang()))
if not result.alerts:
    st.success(text.t("monitoring.no_alerts"))

periods = result.periods.assign(
    psi_band=[text.t(f"factors.psi.{b}") if isinstance(b, str) else "-" for b in result.periods["psi_band"]],
    traffic_light=[
        text.t(f"monitoring.light.{v}") if isinstance(v, str) else "-" for v in result.periods["traffic_light"]
    ],
    status=[
        text.t("monitoring.closed") if done else text.t("monitoring.open", date=text.figure(until, "date"))
        for done, until in zip(result.periods["complete"], result.periods["outcome_until"], strict=True)
    ],
)
tab_names = [text.t(f"monitoring.tab_{name}") for name in ("stability", "factors", "backtest", "challenger")]
stability_tab, factors_tab, backtest_tab, challenger_tab = st.tabs(tab_names)

with stability_tab:
    edges = ", ".join(text.figure(e, "score") for e in dev.edges)
    st.caption(text.t("monitoring.psi_note", edges=edges))
    charts.show(builders.psi_chart, result.periods)
    bands = result.bands.replace({"period": {monitoring.DEVELOPMENT: text.t("monitoring.development")}})
    charts.show(builders.band_share_heatmap, bands, monitoring.band_labels(dev.edges))
    charts.show(builders.period_line, result.periods, "approval_rate", text.t("monitoring.chart_approval"))
    st.caption(text.t("monitoring.approval_note", cutoff=text.figure(settings.cutoff, "pd")))
    stability = periods[["period", "loans", "scored", "psi", "psi_band", "approval_rate", "mean_pd"]]
    tables.show(stability, download=f"{table}_{saved.name}_stability.csv")

with factors_tab:
    st.caption(text.t("monitoring.csi_note"))
    charts.show(builders.csi_heatmap, result.characteristics)
    charts.show(builders.points_shift_lines, result.characteristics)
    tables.show(result.characteristics, download=f"{table}_{saved.name}_factors.csv")

with backtest_tab:
    as_of_text = text.figure(result.as_of, "date")
    note = text.t("monitoring.backtest_note", window=settings.window_months, as_of=as_of_text, red=red, yellow=yellow)
    st.caption(note)
    charts.show(builders.backtest_chart, result.periods)
    charts.show(builders.auc_chart, result.periods, dev.auc)
    columns = ["period", "status", "known", "defaults", "mean_pd", "default_rate", "binomial_p", "jeffreys_p"]
    columns += ["traffic_light", "auc", "auc_low", "auc_high", "gini", "hosmer_lemeshow", "hosmer_lemeshow_p"]
    tables.show(periods[columns], download=f"{table}_{saved.name}_backtest.csv")
    options = list(result.periods["period"])
    closed = list(result.periods.loc[result.periods["complete"], "period"]) or options
    chosen = st.selectbox(
        text.t("monitoring.grade_period"),
        options[::-1],
        key=session.widget("mon_grade_period", default=closed[-1], options=options),
    )
    grades = result.grades[result.grades["period"] == chosen].drop(columns=["complete"])
    grades = grades.assign(
        traffic_light=[text.t(f"monitoring.light.{v}") if isinstance(v, str) else "-" for v in grades["traffic_light"]]
    )
    tables.show(grades, download=f"{table}_{saved.name}_grades.csv")

with challenger_tab:
    kind_cell, since_cell = st.columns([2, 1])
    kind = kind_cell.radio(
        text.t("monitoring.challenge_kind"),
        list(monitoring.CHALLENGES),
        format_func=text.labels("monitoring.challenge"),
        horizontal=True,
        key=session.widget("mon_ch_kind", default="intercept"),
    )
    start = monitoring.add_months(result.as_of, -(settings.window_months + monitoring.EVALUATION_MONTHS + 12))
    since = since_cell.date_input(
        text.t("monitoring.since"), key=session.widget("mon_ch_from", default=dt.date(start.year, start.month, 1))
    )
    if st.button(text.t("monitoring.run_challenge"), key=session.widget("mon_ch_run"), type="primary"):
        with st.spinner(text.t("monitoring.run_challenge")):
            made = widgets.attempt(monitoring.challenge, con, ctx, saved.name, saved.version, kind, since, settings)
        session.put("mon_challenger", made)
        if made is not None:
            session.set_widget("mon_ch_reason", value=made.reason(text.lang()))
    found = session.get("mon_challenger")
    if found is not None and (found.champion.name, found.champion.version) == (saved.name, saved.version):
        dates = {key: text.figure(getattr(found, key), "date") for key in ("fit_end", "evaluation_start")}
        end = text.figure(found.evaluation_end, "date")
        months = monitoring.EVALUATION_MONTHS
        st.caption(
            text.t(
                "monitoring.challenger_note",
                fit_end=dates["fit_end"],
                months=months,
                start=dates["evaluation_start"],
                end=end,
            )
        )
        kinds = [core.column(m).kind for m in found.comparison["metric"]]
        shown = found.comparison.assign(
            metric=[text.column(m) for m in found.comparison["metric"]],
            champion=[text.figure(v, k) for v, k in zip(found.comparison["champion"], kinds, strict=True)],
            challenger=[text.figure(v, k) for v, k in zip(found.comparison["challenger"], kinds, strict=True)],
        )
        tables.show(shown)
        reason = st.text_input(
            text.t("monitoring.reason_label"), key=session.widget("mon_ch_reason", default=found.reason(text.lang()))
        )
        if st.button(text.t("monitoring.save_challenger"), key=session.widget("mon_ch_save")):
            version = widgets.attempt(monitoring.save_challenger, con, found, reason)
            if version is not None:
                session.put("mon_challenger", None)
                session.put(
                    "flash", text.t("monitoring.saved_challenger", name=saved.name, version=version, reason=reason)
                )
                st.rerun()
