"""Model: fit a logit of default on chosen factors, validate it, scale it to points, save, compare and export it."""

import dataclasses

import pandas as pd
import streamlit as st

from analytics import charts as charts_
from analytics import core, datasets, factors, model, store
from analytics.model import FactorSpec, ModelSpec, Scaling
from ui import cache, charts, database, session, tables, text, widgets
from ui import reject_inference as reject_ui
from ui import reports as reports_ui
from ui import segments as segments_ui

# The compared metric that is no registry column by its name: a model's cross-validated AUC, saved as cv.mean.
CV_METRICS = {"cv.mean": "auc"}
# The training sample's loans and defaults are the fit's own counts (saved and compared as fit.n_obs, fit.n_events).
TRAIN_COUNTS = {"train.n": "fit.n_obs", "train.events": "fit.n_events"}


def metric_label(metric: str) -> str:
    """A compared metric's name: its own (``model.metric.train.auc`` "AUC (train)"), else its column's (AIC)."""
    key = f"model.metric.{metric}"
    return text.t(key) if core.has_text(key) else text.column(metric.split(".")[-1])


con = database.connect()
table = database.active_table(con)
st.title(text.t("nav.model"))
widgets.flash()
if table is None:
    st.info(text.t("app.no_tables"))
    st.stop()
ctx = datasets.table_context(con, table)
pop = widgets.attempt(factors.population, ctx)
if pop is None:
    st.page_link("pages/data.py", label=text.t("factors.to_data"), icon=":material/table_view:")
    st.stop()
definition = pop.defn
st.caption(
    text.t(
        f"model.outcome.{definition.kind}",
        column=definition.column,
        threshold=definition.threshold,
        values=", ".join(map(str, definition.values)),
        labels=", ".join(definition.labels),
    )
)

reports_ui.model_report_download(con, table)  # a saved version's development report, fitted or not

# --- the model's choices ------------------------------------------------------------------------------------------

columns = list(model.factor_treatments(ctx))
codes = cache.data(factors.code_columns, con, pop, columns)  # integer codes (SEX 1/2): categorical first
treatments = model.factor_treatments(ctx, codes)
picked = st.multiselect(
    text.column("factors"),
    list(treatments),
    placeholder=text.t("model.pick"),
    **session.bound("model_pick", value="model_factors", options=treatments),
)
binnings = factors.list_binnings(con, table)
specs = []
for column in picked:
    saved_binnings = list(dict.fromkeys(binnings.loc[binnings["factor"] == column, "name"]))  # latest first
    options = [k for k in treatments[column] if k != "woe" or saved_binnings]
    name_cell, treatment_cell, detail_cell = st.columns([2, 2, 3], vertical_alignment="center")
    name_cell.markdown(f"**{column}**")
    treatment = treatment_cell.selectbox(
        text.column("treatment"),
        options,
        format_func=text.labels("model.treatment"),
        key=session.widget("model_treat", column, default=options[0], options=options),
    )
    reference = None
    binning = None
    if treatment == "categorical":
        distinct = cache.data(store.distinct_values, con, table, column, limit=model.MAX_LEVELS, depends_on=ctx.version)
        levels = model.sorted_levels(distinct)
        if levels:
            reference = detail_cell.selectbox(
                text.t("model.reference"),
                levels,
                key=session.widget("model_ref", column, default=levels[0], options=levels),
            )
    elif treatment == "woe":
        binning = detail_cell.selectbox(
            text.t("binning.saved_name"),
            saved_binnings,
            key=session.widget("model_bin", column, default=saved_binnings[0], options=saved_binnings),
        )
    specs.append(FactorSpec(column, treatment, reference, binning))

split_day = cache.data(model.suggest_split_date, con, ctx)
holdouts = ["none", "random", "time"] if split_day else ["none", "random"]
sample_cell, share_cell, seed_cell = st.columns(3)
holdout = sample_cell.radio(
    text.column("sample"),
    holdouts,
    format_func=text.labels("model.holdout"),
    key=session.widget("model_holdout", default="random", options=holdouts),
)
fraction = 0.3
seed = 1
split = None
if holdout == "random":
    fraction = share_cell.slider(
        text.t("model.test_share"),
        0.1,
        0.5,
        step=0.05,
        format="percent",
        key=session.widget("model_fraction", default=0.3),
    )
    seed = seed_cell.number_input(
        text.t("model.seed"), 0, 1_000_000, step=1, key=session.widget("model_seed", default=1)
    )
elif holdout == "time":
    split_date = share_cell.date_input(text.t("model.split_date"), key=session.widget("model_split", default=split_day))
    split = str(split_date)
booked = True
if pop.booked_column is not None:
    booked = sample_cell.toggle(
        text.t("factors.booked_only", column=pop.booked_column), key=session.widget("model_booked", default=True)
    )
spec = ModelSpec(table, tuple(specs), bool(booked), holdout, fraction, int(seed), split)
fit_clicked = st.button(text.t("model.fit"), type="primary", disabled=not specs, key=session.widget("model_fit"))

# --- or a saved version, opened without refitting ------------------------------------------------------------------

versions = model.list_models(con, table)
version_refs = [(n, int(v)) for n, v in zip(versions["name"], versions["version"], strict=True)]
refs = {f"{n} v{v}": (n, v) for n, v in version_refs}
open_clicked = False
if refs:
    with st.expander(text.t("model.open.expander"), expanded=session.get("model_fitted") is None):
        open_name_cell, open_version_cell, open_cell = st.columns([3, 1, 1], vertical_alignment="bottom")
        names = list(dict.fromkeys(versions["name"]))
        open_name = open_name_cell.selectbox(
            text.t("model.open.name"), names, key=session.widget("model_open_name", options=names)
        )
        numbers = [v for n, v in version_refs if n == open_name]  # newest first
        open_version = open_version_cell.selectbox(
            text.column("version"), numbers, key=session.widget("model_open_version", open_name, options=numbers)
        )
        open_clicked = open_cell.button(text.t("model.open.button"), key=session.widget("model_open"))

segments_ui.comparison(con, ctx, spec)  # pooled and per-segment models on each segment's holdout

if fit_clicked:
    with st.spinner(text.t("model.fitting")):
        session.put("model_fitted", widgets.attempt(model.fit_model, con, ctx, spec))
    session.put("model_opened", None)
    session.put("model_saved_as", None)
if open_clicked:
    session.put("model_opened", (open_name, int(open_version)))
opened = session.get("model_opened")
if opened is not None and opened not in version_refs:  # deleted since, or of another table
    opened = None
fitted = None if opened else session.get("model_fitted")
if opened is None and (fitted is None or fitted.spec.table != table):
    st.stop()

# --- the model shown: its tabs' widgets, then the figures --------------------------------------------------------

fit_area = st.container()
tab_keys = ("validation", "stepwise", "scorecard", "versions") if fitted else ("validation", "scorecard", "versions")
tab_labels = [*(text.t(f"model.tab.{k}") for k in tab_keys), text.t("tab.export")]
tabs = dict(zip((*tab_keys, "export"), st.tabs(tab_labels), strict=True))
if fitted:
    direction_cell, criterion_cell = tabs["stepwise"].columns(2)
    direction = direction_cell.radio(
        text.column("direction"),
        model.DIRECTIONS,
        horizontal=True,
        format_func=text.labels("model.direction"),
        key=session.widget("model_sw_direction"),
    )
    criterion = criterion_cell.radio(
        text.t("model.criterion"),
        model.CRITERIA,
        horizontal=True,
        format_func=text.labels("model.criterion"),
        key=session.widget("model_sw_criterion"),
    )
    stepwise_clicked = tabs["stepwise"].button(text.t("model.stepwise_run"), key=session.widget("model_sw_run"))
    score_cell, odds_cell, pdo_cell = tabs["scorecard"].columns(3)
    base_score = score_cell.number_input(
        text.t("model.base_score"), min_value=1.0, step=1.0, key=session.widget("model_base_score", default=600.0)
    )
    base_odds = odds_cell.number_input(
        text.t("model.base_odds"), min_value=1.0, step=1.0, key=session.widget("model_base_odds", default=50.0)
    )
    pdo = pdo_cell.number_input(
        text.t("model.pdo"), min_value=1.0, step=1.0, key=session.widget("model_pdo", default=20.0)
    )
    name_cell, save_cell = tabs["versions"].columns([3, 1], vertical_alignment="bottom")
    name = name_cell.text_input(text.t("model.name"), key=session.widget("model_name", default=f"{table} model"))
    save_clicked = save_cell.button(text.t("model.save"), type="primary", key=session.widget("model_save"))

    if stepwise_clicked:
        with tabs["stepwise"], st.spinner(text.t("model.stepwise_running")):
            selection = widgets.attempt(model.stepwise, con, ctx, spec, direction=direction, criterion=criterion)
        session.put("model_stepwise", selection)
    with tabs["scorecard"]:
        scaling = widgets.attempt(Scaling, base_score, base_odds, pdo) or Scaling()
    if save_clicked:
        with tabs["versions"]:
            version = widgets.attempt(model.save_model, con, name, fitted, scaling)
        if version:
            session.put("model_saved_as", (name.strip(), version))
            session.put("flash", text.t("model.saved", name=name.strip(), version=version))
            st.rerun()
    saved = fitted.as_saved("", 0, scaling)
    saved_as = session.get("model_saved_as")
    if saved_as in version_refs:  # saved from this fit: its exports are the saved version's, while the scaling is
        saved_version = model.load_model(con, *saved_as)
        saved = saved_version if saved_version.scaling == scaling else saved
    coefs = fitted.coef_table()
    stats = fitted.fit_stats()
    checks = fitted.validation()
    notices = fitted.warnings
else:
    saved = cache.data(model.load_model, con, *opened, depends_on=model.models_version(con))
    coefs = saved.coef_table()
    stats = saved.metrics.get("fit") or {}
    checks = widgets.attempt(cache.data, model.validate_saved, con, ctx, depends_on=opened, unhashed={"saved": saved})
    if checks is None:
        st.stop()
    notices = ()
samples = {text.t(f"split.{k}"): checks[k] for k in ("train", "test") if checks[k] is not None}
shown = checks["test"] or checks["train"]
cv = (checks["cv"].mean if checks["cv"] else None) if fitted else (saved.metrics.get("cv") or {}).get("mean")
words = {w: text.t(f"model.word.{w}") for w in model.WORDS}  # the card in the user's language
card = model.scorecard_frame(saved, text.lang())
lang = text.lang()

with fit_area:
    if opened:
        st.info(text.t("model.open.showing", identity=saved.identity_text(lang)))
    elif dataclasses.replace(fitted.spec, outcome=None) != spec:
        st.info(text.t("model.stale"))
    for notice in notices:
        st.warning(text.message(notice))
    for sample in ("train", "test"):  # one row of tiles per sample, each tile named by its sample
        if checks[sample] is None:
            continue
        figures = checks[sample].summary()
        tiles = st.columns(6)
        for tile, key in zip(tiles, ("n", "events", "auc", "gini", "ks"), strict=False):
            label = metric_label(TRAIN_COUNTS.get(f"{sample}.{key}", f"{sample}.{key}"))
            tile.metric(label, text.figure(figures[key], core.column(key).kind))
        if sample == "train" and stats:
            tiles[5].metric(metric_label("fit.pseudo_r2"), text.figure(stats["pseudo_r2"], "statistic"))
    if stats:
        fit_line = {
            **stats,
            "lr_p": text.p_value(stats["lr_p"]),
            "converged": text.t(f"model.converged.{stats['converged']}"),
            "how": text.t(f"model.method.{stats['method']}", cells=stats["cells"] or 0),
            "cv": text.figure(cv, "statistic"),
        }
        st.caption(text.t("model.fit_line", **fit_line))
    tables.show(coefs.replace({"term": {model.CONST: words[model.CONST]}}))
    scaled = coefs.loc[coefs["per"] > 1]
    if len(scaled):
        per = [
            f"{term} ({text.figure(unit, 'count')})" for term, unit in zip(scaled["term"], scaled["per"], strict=True)
        ]
        st.caption(text.t("model.per_unit", factors=", ".join(per)))

with tabs["validation"]:
    tables.show(pd.DataFrame([{"sample": k, **v.summary()} for k, v in samples.items()]))
    left, right = st.columns(2)
    charts.show(charts_.roc_chart, {k: v.roc for k, v in samples.items()}, where=left)
    charts.show(charts_.calibration_chart, {k: v.calibration for k, v in samples.items()}, where=right)
    st.caption(text.t("model.shown_sample", sample=text.t(f"split.{'test' if checks['test'] else 'train'}")))
    left, right = st.columns(2)
    charts.show(charts_.ks_chart, shown.ks_curve, where=left)
    charts.show(charts_.score_distribution_chart, shown.score_distribution(saved.scaling), where=right)
    st.caption(text.t("model.gains_help", sample=text.t(f"split.{'test' if checks['test'] else 'train'}")))
    tables.show(shown.gains)
    if fitted and checks["cv"]:
        st.caption(
            text.t(
                "model.cv",
                k=len(checks["cv"].aucs),
                mean=text.figure(checks["cv"].mean, "statistic"),
                std=text.figure(checks["cv"].std, "statistic"),
                loans=checks["cv"].loans,
            )
        )

if fitted:
    with tabs["stepwise"]:
        selection = session.get("model_stepwise")
        if selection:
            tables.show(selection.log.assign(action=[text.t(f"model.action.{a}") for a in selection.log["action"]]))
            chosen = [f.column for f in selection.factors]
            st.caption(text.t("model.stepwise_result", factors=", ".join(chosen) or "-", seconds=selection.seconds))
            if chosen and st.button(text.t("model.stepwise_use"), key=session.widget("model_sw_use")):
                session.put("model_factors", chosen)
                session.put("model_stepwise", None)
                st.rerun()

with tabs["scorecard"]:
    if opened:
        st.caption(
            text.t(
                "model.open.scaling",
                base_score=text.value(saved.scaling.base_score),
                base_odds=text.value(saved.scaling.base_odds),
                pdo=text.value(saved.scaling.pdo),
            )
        )
    tables.show(card)
    st.caption(text.t("model.scorecard_help", factor=saved.scaling.factor, offset=saved.scaling.offset))
    stem = f"{saved.name} v{saved.version}" if saved.saved else f"{table} unsaved"
    csv_cell, excel_cell = st.columns(2)
    csv_cell.download_button(
        text.t("model.download_csv"),
        model.scorecard_csv(saved, lang),
        f"{stem} scorecard.csv",
        "text/csv",
        key=session.widget("model_download", "card_csv"),
    )
    excel_cell.download_button(
        text.t("model.download_excel"),
        lambda: model.scorecard_workbook(saved, lang),
        f"{stem} scorecard.xlsx",
        key=session.widget("model_download", "card_xlsx"),
    )

with tabs["versions"]:
    tables.show(versions)
    compared = st.multiselect(
        text.t("model.compare"),
        list(refs),
        placeholder=text.t("app.choose"),
        key=session.widget("model_compare", options=list(refs)),
    )
    if len(compared) >= 2:
        comparison = widgets.attempt(model.compare_models, con, [refs[c] for c in compared])
        if comparison:
            metrics = comparison.metrics
            kinds = [core.column(CV_METRICS.get(m, m.split(".")[-1])).kind for m in metrics["metric"]]
            shown_metrics = metrics.assign(metric=[metric_label(m) for m in metrics["metric"]])
            for label in compared:
                shown_metrics[label] = [text.figure(v, kind) for v, kind in zip(metrics[label], kinds, strict=True)]
            tables.show(shown_metrics)
            coefficients = comparison.coefficients.replace({"term": {model.CONST: words[model.CONST]}})
            tables.show(coefficients, kinds=dict.fromkeys(compared, "coef"))
    if refs:
        gone = st.selectbox(
            text.t("model.delete_pick"), list(refs), key=session.widget("model_delete_pick", options=list(refs))
        )
        if st.button(text.t("model.delete"), key=session.widget("model_delete")):
            done = text.t("model.deleted", label=gone)
            if widgets.save(lambda: model.delete_model(con, *refs[gone]), done):
                session.put("flash", done)
                st.rerun()

with tabs["export"]:
    st.caption(saved.identity_text(lang))
    st.download_button(
        text.t("model.download_json"),
        model.model_json(saved, lang),
        f"{stem} model.json",
        "application/json",
        key=session.widget("model_download", "json"),
    )
    sql = saved.export_sql(lang)
    st.download_button(
        text.t("model.download_sql"),
        sql,
        f"{stem} model.sql",
        "text/plain",
        key=session.widget("model_download", "sql"),
    )
    st.caption(text.t("model.sql_help"))
    st.code(sql, language="sql")

if fitted:
    reject_ui.view(con, ctx, fitted)
