"""The Portfolio page's provisions tab: the settings editor (rates, general reserve, red-flag minimums, LGD by
guarantee method, ECL settings; saved per database), the five-category provisions with their ratios by month
and by dimension, the expected credit loss by stage and segment, and the stage migration between two months;
and the Expert vs model page's risk-based pricing tab."""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import pandas as pd
import streamlit as st

from analytics import charts as builders
from analytics import core, datasets, model, portfolio, provisions
from ui import cache, charts, session, tables, text, widgets

CURVES = "curves"  # the ECL's PD from the portfolio's own default curves (no model)
COSTS = provisions.Costs()  # the pricing formula's costs a new session starts from
ECL_SETTINGS = {
    "pd_multiple": (1.0, 100.0, 0.5),
    "lifetime_months": (1.0, 600.0, 1.0),
    "model_horizon": (1.0, 600.0, 1.0),
}


def _percent_inputs(name: str, pairs: tuple[tuple[str, float], ...], label, top: float = 100.0) -> dict[str, float]:
    """One percentage input per ``(key, fraction)``, side by side; ``{key: fraction}``."""
    chosen = {}
    for column, (key, value) in zip(st.columns(len(pairs)), pairs, strict=True):
        percent = column.number_input(
            label(key), 0.0, top, step=0.5, key=session.widget(name, key, default=round(value * 100, 4))
        )
        chosen[key] = percent / 100
    return chosen


def settings_editor(con: duckdb.DuckDBPyConnection) -> provisions.Settings | None:
    """The settings as edited (from the saved ones), with a button that saves them; None while invalid."""
    saved = provisions.load_settings(con)
    with st.expander(text.t("provisions.settings")):
        st.caption(text.t("provisions.settings_note"))
        rates = _percent_inputs("pf_prov_rate", saved.rates, lambda k: text.t(f"outcome.category.{k}"))
        general_column, *minimum_columns = st.columns(4)
        general = general_column.number_input(
            text.t("provisions.general"),
            0.0,
            100.0,
            step=0.1,
            key=session.widget("pf_prov_general", default=round(saved.general * 100, 4)),
        )
        minimums = {}
        for column, (key, value) in zip(minimum_columns, saved.minimums, strict=True):
            percent = column.number_input(
                text.t("provisions.minimum_for", ratio=text.column(key)),
                0.0,
                1000.0,
                step=0.5,
                key=session.widget("pf_prov_min", key, default=round(value * 100, 4)),
            )
            minimums[key] = percent / 100
        st.markdown(text.t("provisions.lgd_heading"))
        lgd = _percent_inputs("pf_prov_lgd", saved.lgd, lambda k: text.t(f"provisions.guarantee.{k}"))
        ecl_values = {}
        for column, (key, (low, high, step)) in zip(st.columns(3), ECL_SETTINGS.items(), strict=True):
            ecl_values[key] = column.number_input(
                text.t(f"provisions.{key}"),
                low,
                high,
                step=step,
                key=session.widget("pf_prov_ecl", key, default=float(getattr(saved, key))),
            )
        edited = widgets.attempt(
            provisions.Settings,
            rates=tuple(rates.items()),
            general=general / 100,
            minimums=tuple(minimums.items()),
            lgd=tuple(lgd.items()),
            **ecl_values,
        )
        if edited is not None and st.button(text.t("provisions.save"), key=session.widget("pf_prov_save")):
            widgets.save(lambda: provisions.save_settings(con, edited), text.t("provisions.saved"))
    return edited


@dataclasses.dataclass
class Exports:
    """What the tab adds to the page's exports: Excel sheets (with the kinds of columns the registry does not
    know) and the key figures for the HTML report."""

    sheets: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)
    kinds: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
    key_figures: pd.DataFrame | None = None


def _tile(where, key: str, value: float | None, settings: provisions.Settings) -> None:
    """A ratio tile, red below its minimum."""
    shown = text.figure(value, "share")
    red = provisions.below_minimum(key, value, settings)
    where.metric(
        text.column(key), f":red[{shown}]" if red else shown, border=True, help=text.t(f"provisions.help.{key}")
    )
    minimum = text.t("provisions.minimum", limit=text.figure(settings.minimum(key), "share"))
    where.caption(f":red[{minimum}]" if red else minimum)


def provisions_tab(
    con: duckdb.DuckDBPyConnection,
    context: datasets.TableContext,
    source: portfolio.Source,
    filters: portfolio.Filters,
    as_of: dt.date,
    months: list[dt.date],
    report: charts.Report,
) -> Exports:
    """Draw the tab; returns its tables for the Excel workbook and the HTML report."""
    now = filters.without_period()
    exports = Exports()
    settings = settings_editor(con)
    if settings is None:
        return exports
    result = widgets.attempt(
        cache.data, provisions.provisions, con, source, settings, filters=now, as_of=as_of, depends_on=context.version
    )
    if result is None:
        return exports
    reserve_column, *ratio_columns = st.columns(4)
    reserve_column.metric(
        text.column("required_reserve"),
        text.figure(result.get("required_reserve"), "amount", compact=True),
        border=True,
    )
    low, high = (text.figure(result.get(k), "amount", compact=True) for k in ("required_low", "required_high"))
    reserve_column.caption(text.t("provisions.range", low=low, high=high))
    ratios = ["coverage_ratio", "provision_to_loan_ratio"] + (["reserve_adequacy_ratio"] if result.has_held else [])
    for where, key in zip(ratio_columns, ratios, strict=False):
        _tile(where, key, result.get(key), settings)
    if not result.has_held:
        ratio_columns[2].caption(text.t("provisions.no_held"))
    figures = pd.DataFrame([{"month": result.month, **{k: result.get(k) for k in provisions.FIGURE_KEYS}}])
    written = [text.figure(result.get(k), core.column(k).kind) for k in provisions.FIGURE_KEYS]
    exports.key_figures = pd.DataFrame({"kpi": [text.column(k) for k in provisions.FIGURE_KEYS], "value": written})
    names = {c.key: text.t(c.label_key) for c in datasets.FIVE_CATEGORIES}
    by_category = result.by_category.assign(category=result.by_category["category"].map(names))
    tables.show(by_category, download=f"{source.table}_provisions_by_category.csv")

    trend = cache.data(provisions.provisions_trend, con, source, settings, filters=filters, depends_on=context.version)
    left, right = st.columns(2)
    cover = ("coverage_ratio", "reserve_adequacy_ratio") if result.has_held else ("coverage_ratio",)
    top = max(3 * settings.minimum("coverage_ratio"), 1.0)  # the axis stops at three times the minimum
    top = top if trend["coverage_ratio"].max() > top else None
    coverage_minimum, ratio_minimum = (settings.minimum(k) for k in ("coverage_ratio", "provision_to_loan_ratio"))
    coverage_chart = (builders.provision_trend, trend, cover)
    report.show(text.column("coverage_ratio"), *coverage_chart, where=left, minimum=coverage_minimum, y_max=top)
    ratio_chart = (builders.provision_trend, trend, ("provision_to_loan_ratio",))
    report.show(text.column("provision_to_loan_ratio"), *ratio_chart, where=right, minimum=ratio_minimum)

    dimensions = [key for key in source.dimension_keys if key in portfolio.DIMENSION_LABELS]
    dimension = st.selectbox(
        text.t("portfolio.dimension"),
        dimensions,
        format_func=text.named(portfolio.DIMENSION_LABELS),
        key=session.widget("pf_prov_dimension", options=dimensions),
    )
    exports.sheets |= {"provisions": figures, "provisions_by_category": by_category, "provisions_trend": trend}
    if dimension:
        by = cache.data(
            provisions.provisions_by,
            con,
            source,
            settings,
            dimension,
            filters=now,
            as_of=as_of,
            depends_on=context.version,
        )
        dimension_name = text.t(portfolio.DIMENSION_LABELS[dimension])
        charts.show(builders.breakdown_bars, by, dimension, "coverage_ratio")
        for key in provisions.RATIO_KEYS:
            below = [
                str(g) for g, v in zip(by["group"], by[key], strict=True) if provisions.below_minimum(key, v, settings)
            ]
            if below:
                st.caption(f":red[{text.t('provisions.below', ratio=text.column(key), groups=', '.join(below))}]")
        groups = by.rename(columns={"group": dimension_name})
        tables.show(groups, download=f"{source.table}_provisions_by_{dimension}.csv")
        exports.sheets[f"provisions_by_{dimension}"] = groups
    _ecl_section(con, context, source, settings, now, as_of, months, report, exports, result.get("required_reserve"))
    return exports


def _ecl_section(
    con, context, source, settings, filters, as_of, months, report, exports: Exports, required: float | None
) -> None:
    """ECL by stage and segment (PD from the default curves or a saved model) next to the ``required`` reserve
    of the five categories, and the stage migration."""
    st.subheader(text.t("provisions.ecl_heading"))
    models = model.list_models(con)
    choices = [CURVES, *dict.fromkeys(models["name"])] if models is not None and len(models) else [CURVES]
    curves_name = text.t("provisions.pd_curves")  # fixed to the language now (Streamlit may call it later)
    pick = st.selectbox(
        text.t("provisions.pd_from"),
        choices,
        format_func=lambda c: curves_name if c == CURVES else c,
        key=session.widget("pf_ecl_model", options=choices),
    )
    saved = None if pick == CURVES else widgets.saved_model(con, pick)
    depends = (context.version, None if saved is None else (saved.name, saved.version, saved.fingerprint))
    result = widgets.attempt(
        cache.data,
        provisions.ecl,
        con,
        context,
        source,
        settings,
        filters=filters,
        as_of=as_of,
        depends_on=depends,
        unhashed={"saved": saved},
    )
    if result is None:
        return
    st.caption(text.t(f"provisions.pd_note_{result.pd_source}"))
    if result.term_assumed:
        st.caption(text.t("provisions.term_assumed", months=text.figure(settings.lifetime_months, "count")))
    if saved is not None and not result.pd_multiple_used:
        st.caption(text.t("provisions.no_pd_multiple"))
    total, share, versus = st.columns(3)
    balance = float(result.by_stage["balance"].sum())
    total.metric(text.column("ecl"), text.figure(result.total, "amount", compact=True), border=True)
    share.metric(
        text.column("ecl_rate"), text.figure(result.total / balance if balance else None, "share"), border=True
    )
    versus.metric(
        text.t("provisions.ecl_vs_reserve"),
        text.figure(result.total / required if required else None, "share"),
        border=True,
        help=text.t("provisions.help.ecl_vs_reserve", reserve=text.figure(required, "amount", compact=True)),
    )
    report.show(text.t("provisions.ecl_heading"), builders.ecl_bars, result.by_segment)
    ecl_rows = pd.DataFrame(
        {
            "kpi": [text.column("ecl"), text.column("ecl_rate")],
            "value": [
                text.figure(result.total, "amount"),
                text.figure(result.total / balance if balance else None, "share"),
            ],
        }
    )
    exports.key_figures = pd.concat([exports.key_figures, ecl_rows], ignore_index=True)
    by_stage = result.by_stage.assign(
        stage=[text.t("provisions.stage_name", stage=s) for s in result.by_stage["stage"]]
    )
    tables.show(by_stage, download=f"{source.table}_ecl_by_stage.csv")
    segment_stages = [text.t("provisions.stage_name", stage=s) for s in result.by_segment["stage"]]
    by_segment = result.by_segment.assign(stage=segment_stages)
    tables.show(by_segment, download=f"{source.table}_ecl_by_segment.csv")
    exports.sheets |= {"ecl_by_stage": by_stage, "ecl_by_segment": by_segment}

    st.subheader(text.t("provisions.migration_heading"))
    earlier = [m for m in months if m < as_of] or months
    left, right = st.columns(2)
    start = left.selectbox(
        text.t("provisions.migration_from"),
        earlier[::-1],
        format_func=text.formatter("month"),
        key=session.widget("pf_mig_from", default=earlier[max(len(earlier) - 12, 0)], options=earlier),
    )
    later = [m for m in months if m > start] or [as_of]
    end = right.selectbox(
        text.t("provisions.migration_to"),
        later[::-1],
        format_func=text.formatter("month"),
        key=session.widget("pf_mig_to", default=as_of if as_of in later else later[-1], options=later),
    )
    moves = widgets.attempt(
        cache.data,
        provisions.stage_migration,
        con,
        source,
        settings,
        start,
        end,
        filters=filters,
        depends_on=context.version,
    )
    if moves is None or moves.empty:
        return
    st.caption(text.t("provisions.migration_note"))
    charts.show(builders.migration_heatmap, moves)
    matrix = provisions.migration_matrix(moves)
    state_names = {s: text.t(f"provisions.state.{s}") for s in provisions.MIGRATION_STATES}
    matrix = matrix.assign(from_stage=matrix["from_stage"].map(state_names)).rename(columns=state_names)
    kinds = dict.fromkeys(state_names.values(), "share")
    tables.show(matrix, kinds=kinds, download=f"{source.table}_stage_migration.csv")
    exports.sheets["stage_migration"] = matrix
    exports.kinds["stage_migration"] = kinds


def pricing_tab(
    con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext, saved: model.SavedModel, cutoff: float
) -> None:
    """Expert vs model's pricing tab: CGAP's break-even rate per grade or score band of ``saved`` against the
    rates charged, and the profit of the loans approved at the PD ``cutoff``."""
    st.caption(text.t("provisions.pricing_note"))
    costs = {}
    for where, name in zip(st.columns(5), ("admin", "funds", "capital", "investment"), strict=False):
        percent = where.number_input(
            text.t(f"provisions.pricing_{name}"),
            -100.0,
            500.0,
            step=0.5,
            key=session.widget("ev_price_cost", name, default=getattr(COSTS, name) * 100),
        )
        costs[name] = percent / 100
    band_names = {"grade": text.column("grade"), "score": text.t("provisions.band_score")}
    by = st.radio(
        text.t("provisions.pricing_by"),
        provisions.BANDS,
        horizontal=True,
        format_func=band_names.get,
        key=session.widget("ev_price_by", options=provisions.BANDS),
    )
    chosen = widgets.attempt(provisions.Costs, **costs)
    settings = provisions.load_settings(con)
    model_version = (saved.name, saved.version, saved.fingerprint)
    priced = chosen and widgets.attempt(
        cache.data,
        provisions.pricing,
        con,
        ctx,
        costs=chosen,
        settings=settings,
        cutoff=cutoff,
        by=by,
        depends_on=model_version,
        unhashed={"saved": saved},
    )
    if priced:
        band = "grade" if by == "grade" else "score_band"
        under = [str(b) for b, flag in zip(priced.by_band[band], priced.by_band["under_priced"], strict=True) if flag]
        profit = text.figure(priced.profit, "amount", compact=True)
        st.metric(text.t("provisions.pricing_profit"), profit, border=True)
        if priced.rate_column is None:
            st.info(text.t("provisions.pricing_no_rates"))
        elif priced.rate_in_percent:
            st.caption(text.t("provisions.pricing_percent", column=priced.rate_column))
        if under:
            st.warning(text.t("provisions.pricing_under", bands=", ".join(under)))
        charts.show(builders.pricing_chart, priced.by_band, band)
        flags = [text.t(f"provisions.priced.{bool(flag)}") for flag in priced.by_band["under_priced"]]
        tables.show(priced.by_band.assign(under_priced=flags), download=f"pricing_by_{band}.csv")
