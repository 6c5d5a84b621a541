"""Risk factors: rank the candidate factors, bin them, check their stability and correlation."""

import pandas as pd
import streamlit as st

from analytics import core, datasets, factors
from analytics.charts import binning_chart, correlation_heatmap, iv_bars
from ui import cache, charts, database, group_lending, session, tables, text, widgets

TABS = ("ranking", "binning", "stability", "correlation", "groups")
SAMPLES = {"random": ("train", "test"), "time": ("earlier", "later")}  # a split's two samples (keys split.<name>)
METHODS = {method.key for method in factors.METHODS}

con = database.connect()
table = database.active_table(con)
st.title(text.t("nav.risk_factors"))
widgets.flash()


def bins(frame: pd.DataFrame) -> pd.DataFrame:
    """A binning table with the missing and unseen-level bins named in the user's language, without bin codes."""
    names = {
        factors.MISSING: text.t("binning.missing"),
        factors.OTHER: text.t("binning.other"),
        factors.TOTAL: text.t("binning.total"),
    }
    labels = [names.get(code, name) for code, name in zip(frame["bin"], frame["label"], strict=True)]
    return frame.assign(label=labels).drop(columns="bin")


def translated(frame: pd.DataFrame, column: str, prefix: str) -> pd.DataFrame:
    """``frame`` with the codes of ``column`` written as the texts ``prefix.<code>``."""
    return frame.assign(**{column: [text.t(f"{prefix}.{code}") if code else "" for code in frame[column]]})


def carry() -> None:
    """The correlation tab follows the factors picked to carry to the Model page."""
    picked = st.session_state[session.widget_key("factors_pick")]
    session.set_widget("corr_factors", value=picked or names[:6])


def to_data_page() -> None:
    st.page_link("pages/data.py", label=text.t("factors.to_data"), icon="🗂️")
    st.stop()


if table is None:
    st.info(text.t("app.no_tables"))
    st.stop()
ctx = datasets.table_context(con, table)
pop = widgets.attempt(factors.population, ctx)
if pop is None:
    to_data_page()
if pop.booked_column:
    booked_label = text.t("factors.booked_only", column=pop.booked_column)
    booked_only = st.toggle(booked_label, key=session.widget("factors_booked", default=True))
    pop = factors.population(ctx, booked_only=booked_only)
codes_label = text.t("factors.codes_as_categories", max=factors.MAX_CODE_LEVELS)
codes = st.toggle(codes_label, key=session.widget("factors_codes", default=True), help=text.t("factors.codes_help"))
with st.spinner(text.t("factors.ranking")):
    ranking = widgets.attempt(
        cache.data,
        factors.rank_factors,
        con,
        pop,
        codes_as_categories=codes,
        depends_on=factors.saved_version(con, table),
    )
if ranking is None:
    to_data_page()
for notice in ranking.notices:
    st.warning(text.message(notice))
summary = ranking.summary
rate = text.figure(summary["rate"], "share")
st.caption(text.t("factors.summary", loans=summary["known"], defaults=summary["defaults"], rate=rate))
kinds = dict(zip(ranking.table["factor"], ranking.table["kind"], strict=True))
names = list(kinds)
carried = [name for name in session.get("model_factors") if name in names]  # picked here or on the Model page

tabs = st.tabs([text.t(f"factors.tab_{tab}") for tab in TABS])

with tabs[0]:
    ranked = translated(translated(ranking.table, "kind", "factors.kind"), "strength", "factors.band")
    ranked["binning"] = [text.t(f"binning.method.{b}") if b in METHODS else b for b in ranked["binning"]]
    tables.show(ranked)
    st.caption(text.t("factors.ranking_help", seconds=ranking.seconds))
    charts.show(iv_bars, ranking.table)
    skipped = ranking.skipped
    with st.expander(text.t("factors.not_candidates", n=len(skipped))):
        reasons = [
            factors.reason_text(reason, role, levels, text.lang())
            for reason, role, levels in zip(skipped["reason"], skipped["role"], skipped["levels"], strict=True)
        ]
        tables.show(pd.DataFrame({"factor": skipped["factor"], "reason": reasons}))
        st.caption(text.t("factors.not_candidates_help"))
    pick_key = session.widget("factors_pick", default=carried, options=names)
    picked = st.multiselect(
        text.t("factors.pick"), names, placeholder=text.t("app.choose"), key=pick_key, on_change=carry
    )
    session.put("model_factors", picked)

    st.subheader(text.t("factors.preselect"))
    st.caption(text.t("factors.preselect_help"))
    limits = st.columns(4)
    shares = {"min_value": 0.05, "max_value": 1.0, "step": 0.05}
    max_missing = limits[0].number_input(
        text.t("factors.max_missing"), key=session.widget("sel_missing", default=0.95), **shares
    )
    min_iv = limits[1].number_input(
        text.t("factors.min_iv"), min_value=0.0, max_value=5.0, step=0.01, key=session.widget("sel_iv", default=0.02)
    )
    max_top = limits[2].number_input(
        text.t("factors.max_top_share"), key=session.widget("sel_top", default=0.95), **shares
    )
    max_corr = limits[3].number_input(
        text.t("factors.max_correlation"), key=session.widget("sel_corr", default=0.7), **shares
    )
    thresholds = factors.Thresholds(max_missing, min_iv, max_top, max_corr)
    selection = widgets.attempt(
        cache.data,
        factors.preselect,
        con,
        pop,
        thresholds,
        depends_on=(factors.saved_version(con, table), codes),
        unhashed={"ranking": ranking},
    )
    if selection:
        chosen = selection.table
        said = [
            factors.selection_text(reason, value, other, thresholds, text.lang())
            for reason, value, other in zip(chosen["reason"], chosen["value"], chosen["other"], strict=True)
        ]
        st.caption(text.t("factors.preselect_result", kept=len(selection.kept), total=len(chosen)))
        tables.show(chosen[["factor", "iv", "missing_share", "top_share"]].assign(reason=said))
        if st.button(text.t("factors.use_kept"), key=session.widget("sel_use"), disabled=not selection.kept):
            kept = list(selection.kept)
            session.put("model_factors", kept)
            session.set_widget("factors_pick", value=kept)
            session.set_widget("corr_factors", value=kept)
            session.put("flash", text.t("factors.used_kept", n=len(kept), factors=", ".join(kept)))
            st.rerun()

with tabs[1]:
    left, right = st.columns([1, 2])
    factor = left.selectbox(
        core.column_label("factor", text.lang()), names, key=session.widget("bin_factor", options=names)
    )
    kind = kinds[factor]
    current = ranking.binnings[factor].spec
    saved = factors.list_binnings(con, table, factor)
    versions = {f"{n} v{v}": (n, int(v)) for n, v in zip(saved["name"], saved["version"], strict=True)}
    methods = factors.methods_for(kind) + (["saved"] if versions else [])
    method = left.radio(
        text.t("binning.method"),
        methods,
        key=session.widget("bin_method", factor, options=methods),
        format_func=text.labels("binning.method"),
    )
    if method == "saved":
        saved_label = left.selectbox(
            text.t("binning.saved_name"),
            list(versions),
            key=session.widget("bin_saved", factor, options=list(versions)),
        )
        spec = widgets.attempt(factors.load_binning, con, table, factor, *versions[saved_label])
        result = spec and widgets.attempt(cache.data, factors.compute_binning, con, pop, spec)
    elif method == "manual" and kind == "categorical":
        levels = pd.DataFrame(
            [(level, i + 1) for i, group in enumerate(current.groups) for level in group], columns=["level", "bin"]
        )
        edited = left.data_editor(
            levels,
            disabled=["level"],
            hide_index=True,
            key=session.widget("bin_groups", factor),
            column_config={
                "level": core.column_label("level", text.lang()),
                "bin": st.column_config.NumberColumn(text.t("binning.bin_number"), min_value=1, step=1),
            },
        )
        assignment = dict(zip(edited["level"], edited["bin"], strict=True))
        result = widgets.attempt(
            cache.data, factors.build_binning, con, pop, factor, kind, method, assignment=assignment
        )
    elif method == "manual":
        start = factors.cuts_text(current) if current.kind == "numeric" else ""
        cuts = left.text_input(
            text.t("binning.cuts"),
            key=session.widget("bin_cuts", factor, default=start),
            help=text.t("binning.cuts_help"),
        )
        result = widgets.attempt(cache.data, factors.build_binning, con, pop, factor, kind, method, cuts_text=cuts)
    elif method == "quantile":
        n = left.number_input(
            text.t("binning.n"),
            min_value=2,
            max_value=factors.MAX_QUANTILE_BINS,
            key=session.widget("bin_n", default=10),
        )
        result = widgets.attempt(cache.data, factors.build_binning, con, pop, factor, kind, method, n=int(n))
    else:
        result = widgets.attempt(cache.data, factors.build_binning, con, pop, factor, kind, method)
    if result:
        binned = bins(result.table)
        left.metric(core.column_label("iv", text.lang()), text.figure(result.iv, "statistic"))
        left.caption(text.t(f"factors.band.{core.band(result.iv, core.IV_BANDS)}"))
        charts.show(binning_chart, binned, where=right)
        tables.show(bins(result.with_totals()))
        name_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
        shown_as = (method, saved_label) if method == "saved" else (method,)  # one name box per binning shown
        proposed = result.spec.name or f"{factor} {method}"  # a saved binning's own name, else factor and method
        name_key = session.widget("bin_name", factor, *shown_as, default=proposed)
        name = name_column.text_input(text.t("binning.name"), key=name_key).strip()
        save = button_column.button(text.t("binning.save"), key=session.widget("bin_save"), type="primary")
        if save:
            version = widgets.attempt(factors.save_binning, con, table, result.spec, name)
            if version:
                session.put("flash", text.t("binning.saved", name=name, factor=factor, version=version))
                session.set_widget("bin_method", factor, value="saved")  # after saving, show the saved binning
                session.set_widget("bin_saved", factor, value=f"{name} v{version}")
                st.rerun()

with tabs[2]:
    origin = ctx.with_role("origination_date")
    splits = ["random", "time"] if origin else ["random"]
    first, second = st.columns(2)
    if len(splits) > 1:
        split_kind = first.radio(
            text.t("factors.split"),
            splits,
            horizontal=True,
            key=session.widget("stab_kind", options=splits),
            format_func=lambda split: text.t(f"factors.split_{split}"),
        )
    else:  # no origination date: a random split is the one comparison there is, no radio of one option
        split_kind = "random"
        first.caption(text.t("factors.split_only_random", role=text.t("role.origination_date")))
    fraction = second.slider(
        text.t(f"factors.fraction_{split_kind}"),
        min_value=0.1,
        max_value=0.5,
        step=0.05,
        format="percent",
        key=session.widget("stab_fraction", default=0.3),
    )
    split = factors.Split(split_kind, fraction, column=origin[0] if origin else None)
    specs = tuple(binning.spec for binning in ranking.binnings.values())
    stability = widgets.attempt(cache.data, factors.stability, con, pop, split, specs)
    if stability:
        first_name, second_name = SAMPLES[split_kind]
        samples = {"first": text.t(f"split.{first_name}"), "second": text.t(f"split.{second_name}")}
        n0, n1 = stability.counts
        st.caption(text.t(f"factors.samples_{split_kind}", n0=n0, n1=n1, cutoff=stability.cutoff, **samples))
        tables.show(translated(stability.summary, "verdict", "factors.psi"))
        factor_names = list(stability.summary["factor"])
        shown = st.selectbox(
            core.column_label("factor", text.lang()),
            factor_names,
            key=session.widget("stab_factor", options=factor_names),
        )
        sides = bins(stability.tables[shown])
        tables.show(sides, labels={column: core.column_label(column, text.lang(), **samples) for column in sides})
        st.caption(text.t("factors.psi_help"))

with tabs[3]:
    corr_key = session.widget("corr_factors", default=carried or names[:6], options=names)
    chosen = st.multiselect(text.t("factors.corr_pick"), names, placeholder=text.t("app.choose"), key=corr_key)
    binnings = [ranking.binnings[name] for name in chosen]
    specs = tuple(binning.spec for binning in binnings)
    correlation = widgets.attempt(
        cache.data, factors.correlation, con, pop, depends_on=specs, unhashed={"binnings": binnings}
    )
    if correlation:
        charts.show(correlation_heatmap, correlation.matrix)
        tables.show(translated(correlation.vif, "band", "factors.vif"))
        st.caption(text.t("factors.corr_help"))

with tabs[4]:
    group_lending.show(con, pop, ranking)
