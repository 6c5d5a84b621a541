"""Risk factors: rank the candidate factors, bin them, check their stability and correlation."""

import dataclasses

import pandas as pd
import streamlit as st

import ui
from analytics import core, datasets, factors

con = ui.db()
table = ui.active_table(con)
st.title(ui.t("nav.risk_factors"))
ui.show_flash("factors_flash")
st.session_state.update(st.session_state.pop("factors_show_saved", {}))  # after saving, show the saved binning
PERCENT = {"share", "share_0", "share_1", "bad_rate", "bad_rate_0", "bad_rate_1", "missing_share"}
DIGITS = {"p_value": "%.2e", "vif": "%.2f", "iv": "%.4f", "csi": "%.4f"}


def show(frame: pd.DataFrame, **params: object) -> None:
    """A table with translated headers: shares and rates as percentages, statistics with a few decimals."""
    config = {}
    for column in frame.columns:
        label = ui.t(f"factors.col.{column}", **params)
        if column in PERCENT:
            config[column] = st.column_config.NumberColumn(label, format=ui.PERCENT_FORMAT)
        elif frame[column].dtype.kind == "f":
            config[column] = st.column_config.NumberColumn(label, format=DIGITS.get(column, "%.3f"))
        else:
            config[column] = st.column_config.Column(label)
    st.dataframe(ui.as_percentages(frame, PERCENT), hide_index=True, column_config=config)


def bins(frame: pd.DataFrame) -> pd.DataFrame:
    """A binning table with the missing and unseen-level bins named in the user's language, without bin codes."""
    names = {factors.MISSING: ui.t("binning.missing"), factors.OTHER: ui.t("binning.other")}
    labels = [names.get(code, label) for code, label in zip(frame["bin"], frame["label"], strict=True)]
    return frame.assign(label=labels).drop(columns="bin")


def translated(frame: pd.DataFrame, column: str, prefix: str) -> pd.DataFrame:
    return frame.assign(**{column: [ui.t(f"{prefix}.{v}") if v else "" for v in frame[column]]})


def to_data_page() -> None:
    st.page_link("pages/data.py", label=ui.t("factors.to_data"), icon="🗂️")
    st.stop()


if table is None:
    st.info(ui.t("app.no_tables"))
    st.stop()
pop = ui.attempt(factors.population, con, table)
if pop is None:
    to_data_page()
if pop.booked_column and not st.toggle(
    ui.t("factors.booked_only", column=pop.booked_column), True, key="factors_booked"
):
    pop = dataclasses.replace(pop, booked_column=None, booked_type=None)
table_roles = datasets.table_roles(con, table)
with st.spinner(ui.t("factors.ranking")):
    ranking = ui.attempt(ui.factor_ranking, con, pop, table_roles)
if ranking is None:
    to_data_page()
for notice in ranking.notices:
    st.warning(notice.message(ui.lang()))
summary = ranking.summary
st.caption(ui.t("factors.summary", loans=summary["known"], defaults=summary["defaults"], rate=summary["rate"]))
if ranking.sample_every > 1:
    st.caption(ui.t("factors.sampled", every=ranking.sample_every))
kinds = dict(zip(ranking.table["factor"], ranking.table["kind"], strict=True))
names = list(kinds)
tabs = st.tabs([ui.t(f"factors.tab_{name}") for name in ("ranking", "binning", "stability", "correlation")])

with tabs[0]:
    frame = translated(translated(ranking.table, "kind", "factors.kind"), "strength", "factors.band")
    methods = {m.key for m in factors.METHODS}
    frame["binning"] = [ui.t(f"binning.method.{b}") if b in methods else b for b in frame["binning"]]
    show(frame)
    st.caption(ui.t("factors.ranking_help", seconds=ranking.seconds))
    wanted = [f for f in st.session_state.get("model_factors", []) if f in names]
    picked = st.multiselect(ui.t("factors.pick"), names, default=wanted, key="factors_pick")
    st.session_state["model_factors"] = picked

with tabs[1]:
    left, right = st.columns([1, 2])
    factor = left.selectbox(ui.t("factors.col.factor"), names, key="bin_factor")
    kind, current = kinds[factor], ranking.binnings[factor].spec
    saved = factors.list_binnings(con, table, factor)
    options = factors.methods_for(kind) + (["saved"] if len(saved) else [])
    method = left.radio(
        ui.t("binning.method"), options, key=f"bin_method_{factor}", format_func=lambda m: ui.t(f"binning.method.{m}")
    )
    result = None
    if method == "saved":
        versions = {f"{n} v{v}": (n, int(v)) for n, v in zip(saved["name"], saved["version"], strict=True)}
        label = left.selectbox(ui.t("binning.saved_name"), list(versions), key=f"bin_saved_{factor}")
        spec = ui.attempt(factors.load_binning, con, table, factor, *versions[label])
        result = spec and ui.attempt(factors.compute_binning, con, pop, spec)
    elif method == "manual" and kind == "categorical":
        levels = pd.DataFrame(
            [(level, i + 1) for i, group in enumerate(current.groups) for level in group], columns=["level", "bin"]
        )
        edited = left.data_editor(
            levels,
            disabled=["level"],
            hide_index=True,
            key=f"bin_groups_{factor}",
            column_config={
                "level": ui.t("factors.col.level"),
                "bin": st.column_config.NumberColumn(ui.t("binning.bin_number"), min_value=1, step=1),
            },
        )
        assignment = dict(zip(edited["level"], edited["bin"], strict=True))
        result = ui.attempt(ui.factor_binning, con, pop, factor, kind, method, assignment=assignment)
    else:
        n, text = 10, None
        if method == "quantile":
            n = left.number_input(ui.t("binning.n"), 2, factors.MAX_QUANTILE_BINS, 10, key="bin_n")
        if method == "manual":
            start = factors.cuts_text(current) if current.kind == "numeric" else ""
            text = left.text_input(
                ui.t("binning.cuts"), start, key=f"bin_cuts_{factor}", help=ui.t("binning.cuts_help")
            )
        result = ui.attempt(ui.factor_binning, con, pop, factor, kind, method, n=int(n), cuts_text=text)
    if result:
        spec = result.spec
        iv_band = ui.t(f"factors.band.{core.band(result.iv, core.IV_BANDS)}")
        left.metric(ui.t("factors.col.iv"), f"{result.iv:.4f}")
        left.caption(iv_band)
        table_view = bins(result.table)
        right.altair_chart(ui.binning_chart(table_view), width="stretch")
        show(table_view)
        name_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
        save_as = name_col.text_input(ui.t("binning.name"), spec.name or f"{factor} {method}", key=f"bin_name_{factor}")
        if button_col.button(ui.t("binning.save"), key="bin_save", type="primary") and (
            version := ui.attempt(factors.save_binning, con, table, spec, save_as)
        ):
            st.session_state["factors_flash"] = ui.t(
                "binning.saved", name=save_as.strip(), factor=factor, version=version
            )
            st.session_state["factors_show_saved"] = {
                f"bin_method_{factor}": "saved",
                f"bin_saved_{factor}": f"{save_as.strip()} v{version}",
            }
            st.rerun()

with tabs[2]:
    origin = datasets.columns_with_role(table_roles, "origination_date")
    first, second = st.columns(2)
    split_kind = first.radio(
        ui.t("factors.split"),
        ["random", "time"] if origin else ["random"],
        horizontal=True,
        key="stab_kind",
        format_func=lambda k: ui.t(f"factors.split_{k}"),
    )
    fraction = second.slider(ui.t(f"factors.fraction_{split_kind}"), 0.1, 0.5, 0.3, 0.05, key="stab_fraction")
    split = factors.Split(split_kind, fraction, column=origin[0] if origin else None)
    specs = [b.spec for b in ranking.binnings.values()]
    stability = ui.attempt(ui.factor_stability, con, pop, split, specs)
    if stability:
        samples = {"first": ui.t(f"factors.sample_{split_kind}_0"), "second": ui.t(f"factors.sample_{split_kind}_1")}
        n0, n1 = stability.counts
        st.caption(ui.t(f"factors.samples_{split_kind}", n0=n0, n1=n1, cutoff=stability.cutoff, **samples))
        show(translated(stability.summary, "verdict", "factors.psi"))
        shown = st.selectbox(ui.t("factors.col.factor"), list(stability.summary["factor"]), key="stab_factor")
        show(bins(stability.tables[shown]), **samples)
        st.caption(ui.t("factors.psi_help"))

with tabs[3]:
    default = [f for f in st.session_state.get("model_factors", []) if f in names] or names[:6]
    chosen = st.multiselect(ui.t("factors.corr_pick"), names, default=default, key="corr_factors")
    correlation = ui.attempt(ui.factor_correlation, con, pop, [ranking.binnings[f] for f in chosen])
    if correlation:
        st.altair_chart(ui.correlation_chart(correlation.matrix), width="stretch")
        show(translated(correlation.vif, "band", "factors.vif"))
        st.caption(ui.t("factors.corr_help"))
