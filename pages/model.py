"""Model: fit a logit of default on chosen factors, validate it, scale it to points, save, compare and export it."""

import dataclasses
import json

import pandas as pd
import streamlit as st

import ui
from analytics import charts, factors, model, portfolio
from analytics.core import TEXT
from analytics.core import t as translate
from analytics.model import FactorSpec, ModelSpec, Scaling

con = ui.db()
table = ui.active_table(con)
st.title(ui.t("nav.model"))
kept = st.session_state.setdefault("model_choices", {})  # widget values that survive page switches (not widget keys)
ui.show_flash("model_flash")
PERCENT = {"share", "bad_rate", "capture", "observed_rate", "mean_pd", "event_rate"}
P_VALUES = {"p_value", "hosmer_lemeshow_p"}


def remember(key: str, default, options=None) -> dict:
    """Widget arguments restoring the value from ``model_choices`` (dropped when no longer offered)."""
    key = key if key.startswith("model_") else f"model_{key}"
    value = st.session_state.get(key, kept.get(key, default))
    st.session_state[key] = value if options is None or value in options else default
    return {"key": key, "on_change": lambda: kept.update({key: st.session_state[key]})}


def show(frame: pd.DataFrame) -> None:
    """A table with translated headers: rates as percentages, p-values in scientific notation."""
    config = {}
    for column in frame.columns:
        label = ui.t(f"model.col.{column}") if f"model.col.{column}" in TEXT else column
        fmt = ui.PERCENT_FORMAT if column in PERCENT else "%.2e" if column in P_VALUES else "%.4g"
        kind = frame[column].dtype.kind
        config[column] = st.column_config.NumberColumn(label, format=fmt) if kind == "f" else label
        if kind in "iuM":  # whole numbers with thousands separators, dates as the language writes them
            config[column] = ui.column_formats(frame[[column]])[column]
            config[column]["label"] = label
    st.dataframe(ui.as_percentages(frame, PERCENT), hide_index=True, column_config=config)


def labels(group: str):
    """Option labels in the current language, fixed now (a format_func may be called outside the script run)."""
    lang = ui.lang()
    return lambda k: translate(f"model.{group}.{k}", lang)


if table is None:
    st.info(ui.t("app.no_tables"))
    st.stop()
pop = ui.attempt(factors.population, con, table)
if pop is None:
    st.page_link("pages/data.py", label=ui.t("factors.to_data"), icon=":material/table_view:")
    st.stop()
d = pop.defn
st.caption(
    ui.t(
        f"model.outcome.{d.kind}",
        column=d.column,
        threshold=d.threshold,
        values=", ".join(map(str, d.values)),
        labels=", ".join(d.labels),
    )
)
treatments = model.factor_treatments(con, table)
if "model_pick" not in st.session_state:
    st.session_state["model_pick"] = [f for f in st.session_state.get("model_factors", []) if f in treatments]
keep_pick = lambda: st.session_state.update(model_factors=st.session_state["model_pick"])  # noqa: E731
picked = st.multiselect(
    ui.t("model.factors"), list(treatments), key="model_pick", placeholder=ui.t("model.pick"), on_change=keep_pick
)
specs = []
for column in picked:
    saved_binnings = list(dict.fromkeys(factors.list_binnings(con, table, column)["name"]))  # latest version each
    options = [k for k in treatments[column] if k != "woe" or saved_binnings]
    label, how, detail = st.columns([2, 2, 3], vertical_alignment="center")
    label.markdown(f"**{column}**")
    treatment = how.selectbox(
        ui.t("model.treatment"),
        options,
        format_func=labels("treatment"),
        **remember(f"model_treat_{column}", options[0], options),
    )
    reference = chosen_binning = None
    if treatment == "categorical" and (levels := ui.model_levels(con, table, column)):
        reference = detail.selectbox(ui.t("model.reference"), levels, **remember(f"ref_{column}", levels[0], levels))
    elif treatment == "woe":
        first = saved_binnings[0]
        chosen_binning = detail.selectbox(
            ui.t("model.binning"), saved_binnings, **remember(f"bin_{column}", first, saved_binnings)
        )
    specs.append(FactorSpec(column, treatment, reference, chosen_binning))
split_day = model.suggest_split_date(con, table)
holdouts = ["none", "random", "time"] if split_day else ["none", "random"]
left, middle, right = st.columns(3)
holdout = left.radio(
    ui.t("model.sample"), holdouts, format_func=labels("holdout"), **remember("model_holdout", "random", holdouts)
)
fraction, seed, split = 0.3, 1, None
if holdout == "random":
    fraction = middle.slider(ui.t("model.test_share"), 0.1, 0.5, step=0.05, **remember("model_fraction", 0.3))
    seed = int(right.number_input(ui.t("model.seed"), 0, 1_000_000, step=1, **remember("model_seed", 1)))
elif holdout == "time":
    split = str(middle.date_input(ui.t("model.split_date"), **remember("model_split", split_day)))
booked = pop.booked_column is None or left.toggle(
    ui.t("factors.booked_only", column=pop.booked_column), **remember("model_booked", True)
)
spec = ModelSpec(table, tuple(specs), bool(booked), holdout, fraction, seed, split)
if st.button(ui.t("model.fit"), type="primary", key="model_fit", disabled=not specs):
    with st.spinner(ui.t("model.fitting")):
        st.session_state["model_fitted"] = ui.attempt(model.fit_model, con, spec)
fitted = st.session_state.get("model_fitted")
if fitted is None or fitted.spec.table != table:
    st.stop()
if dataclasses.replace(fitted.spec, outcome=None) != spec:
    st.info(ui.t("model.stale"))
for notice in fitted.warnings:
    st.warning(notice.message(ui.lang()))
stats, checks = fitted.fit_stats(), fitted.validation()
samples = {ui.t(f"model.{k}"): checks[k] for k in ("train", "test") if checks[k] is not None}
shown = checks["test"] or checks["train"]
figures = {
    "n_obs": ui.number(stats["n_obs"]),
    "n_events": ui.number(stats["n_events"]),
    "auc": f"{shown.auc:.3f}",
    "gini": f"{shown.gini:.3f}",
    "ks": f"{shown.ks:.3f}",
    "pseudo_r2": f"{stats['pseudo_r2']:.3f}",
}
for tile, (key, value) in zip(st.columns(6), figures.items(), strict=True):
    tile.metric(ui.t(f"model.col.{key}"), value)
how = ui.t(f"model.method.{stats['method']}", cells=stats["cells"] or 0)
line = {**stats, "converged": ui.t(f"model.converged.{stats['converged']}"), "how": how}
st.caption(ui.t("model.fit_line", **line, cv=checks["cv"].mean if checks["cv"] else float("nan")))
show(fitted.coef_table())
tabs = st.tabs([ui.t(f"model.tab.{k}") for k in ("validation", "stepwise", "scorecard", "versions", "export")])
scaling = ui.attempt(
    Scaling,
    *(
        float(st.session_state.get(f"model_{k}", kept.get(f"model_{k}", d)))
        for k, d in (("base_score", 600), ("base_odds", 50), ("pdo", 20))
    ),
)
saved = fitted.as_saved(ui.t("model.unsaved"), 0, scaling or Scaling())

with tabs[0]:
    show(pd.DataFrame([{"sample": k, **v.summary()} for k, v in samples.items()]))
    one, two = st.columns(2)
    one.altair_chart(charts.roc_chart({k: v.roc for k, v in samples.items()}, ui.t), width="stretch")
    two.altair_chart(charts.calibration_chart({k: v.calibration for k, v in samples.items()}, ui.t), width="stretch")
    one.altair_chart(charts.ks_chart(shown.ks_curve, ui.t), width="stretch")
    histogram = shown.score_distribution(saved.scaling)
    two.altair_chart(charts.score_distribution_chart(histogram, ui.t), width="stretch")
    st.caption(ui.t("model.gains_help", sample=ui.t(f"model.{'test' if checks['test'] else 'train'}")))
    show(shown.gains)
    if checks["cv"]:
        cv = checks["cv"]
        st.caption(ui.t("model.cv", k=len(cv.aucs), mean=cv.mean, std=cv.std, loans=cv.loans))

with tabs[1]:
    one, two = st.columns(2)
    direction = one.radio(
        ui.t("model.direction"),
        model.DIRECTIONS,
        horizontal=True,
        key="model_sw_direction",
        format_func=labels("direction"),
    )
    criterion = two.radio(
        ui.t("model.criterion"),
        model.CRITERIA,
        horizontal=True,
        key="model_sw_criterion",
        format_func=labels("criterion"),
    )
    if st.button(ui.t("model.stepwise_run"), key="model_sw_run"):
        with st.spinner(ui.t("model.stepwise_running")):
            result = ui.attempt(model.stepwise, con, spec, direction=direction, criterion=criterion)
            st.session_state["model_stepwise"] = result
    if result := st.session_state.get("model_stepwise"):
        show(result.log.assign(action=[ui.t(f"model.action.{a}") for a in result.log["action"]]))
        chosen = [f.column for f in result.factors]
        st.caption(ui.t("model.stepwise_result", factors=", ".join(chosen) or "-", seconds=result.seconds))
        if chosen and st.button(ui.t("model.stepwise_use"), key="model_sw_use"):
            st.session_state.update(model_factors=chosen, model_stepwise=None)
            st.session_state.pop("model_pick")
            st.rerun()

with tabs[2]:
    cells = st.columns(3)
    for cell, (key, default) in zip(cells, (("base_score", 600), ("base_odds", 50), ("pdo", 20)), strict=True):
        cell.number_input(ui.t(f"model.{key}"), min_value=1.0, step=1.0, **remember(f"model_{key}", float(default)))
    words = {w: ui.t(f"model.word.{w}") for w in model.WORDS}  # the card in the user's language
    card = saved.scorecard().replace({"factor": words, "attribute": words, "treatment": words})
    show(card)
    st.caption(ui.t("model.scorecard_help", factor=saved.scaling.factor, offset=saved.scaling.offset))
    csv, excel = st.columns(2)
    csv.download_button(
        ui.t("model.download_csv"),
        card.to_csv(index=False).encode("utf-8-sig"),
        f"{table}_scorecard.csv",
        "text/csv",
        key="model_dl_card_csv",
    )
    excel.download_button(
        ui.t("model.download_excel"),
        lambda: portfolio.excel_workbook({"scorecard": card}),
        f"{table}_scorecard.xlsx",
        key="model_dl_card_xlsx",
    )

with tabs[3]:
    name_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
    name = name_col.text_input(ui.t("model.name"), **remember("model_name", f"{table} model"))
    if button_col.button(ui.t("model.save"), type="primary", key="model_save"):
        version = ui.attempt(model.save_model, con, name, fitted, saved.scaling)
        if version:
            st.session_state["model_flash"] = ui.t("model.saved", name=name.strip(), version=version)
            st.rerun()
    versions = model.list_models(con, table)
    show(versions)
    refs = {f"{n} v{v}": (n, int(v)) for n, v in zip(versions["name"], versions["version"], strict=True)}
    compared = st.multiselect(ui.t("model.compare"), list(refs), key="model_compare")
    if len(compared) >= 2 and (comparison := ui.attempt(model.compare_models, con, [refs[c] for c in compared])):
        show(comparison.metrics.assign(metric=[ui.t(f"model.metric.{m}") for m in comparison.metrics["metric"]]))
        show(comparison.coefficients)
    if refs:
        gone = st.selectbox(ui.t("model.delete_pick"), list(refs), key="model_delete_pick")
        done, drop = ui.t("model.deleted", label=gone), lambda: model.delete_model(con, *refs[gone])
        if st.button(ui.t("model.delete"), key="model_delete") and ui.save(drop, done):
            st.session_state["model_flash"] = done
            st.rerun()

with tabs[4]:
    st.download_button(
        ui.t("model.download_json"),
        json.dumps(saved.to_json(), ensure_ascii=False, default=str),
        f"{table}_model.json",
        "application/json",
        key="model_dl_json",
    )
    sql = saved.export_sql()
    st.download_button(ui.t("model.download_sql"), sql, f"{table}_model.sql", "text/plain", key="model_dl_sql")
    st.caption(ui.t("model.sql_help"))
    st.code(sql, language="sql")
