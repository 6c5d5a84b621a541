"""The Risk factors page's group lending tab: group against individual loans, default by group size, the
within-group default correlation and the groups' defaulting members against independence, and what group-level
factors add to a logit."""

from __future__ import annotations

import duckdb
import streamlit as st

from analytics import datasets, factors
from ui import cache, session, tables, text, widgets

BASE_FACTORS = 5  # the strongest factors by IV a new session starts the comparison from


def _factor_name(name: str, peer: str | None) -> str:
    """A group factor in the user's words."""
    return text.t(f"group_lending.factor.{name}", factor=peer or "")


def show(con: duckdb.DuckDBPyConnection, pop: factors.Population, ranking: factors.Ranking) -> None:
    """The tab's content for the population ``pop`` and the factors ranked on it."""
    ctx = pop.context
    if ctx.column_with_role("group") is None:
        st.info(text.t("group_lending.no_role"))
        return
    found = widgets.attempt(cache.data, factors.group_lending, con, pop)
    if found is None:
        return
    st.caption(text.t("group_lending.intro", column=factors.group_column(ctx)))
    by_type = found.by_type.assign(loan_type=[text.t(f"group_lending.type.{k}") for k in found.by_type["loan_type"]])
    tables.show(by_type)
    pairs = found.pairs
    tiles = st.columns(4)
    tiles[0].metric(text.t("group_lending.correlation"), text.figure(pairs["correlation"], "statistic"))
    tiles[1].metric(text.t("group_lending.defaulting_pairs"), text.figure(pairs["defaulting_pairs"], "count"))
    tiles[2].metric(text.t("group_lending.expected_pairs"), text.figure(pairs["expected_pairs"], "number"))
    tiles[3].metric(text.t("group_lending.dispersion_p"), text.figure(pairs["p_value"], "p_value"))
    st.caption(
        text.t(
            "group_lending.pairs_help",
            groups=text.figure(pairs["groups"], "count"),
            pairs=text.figure(pairs["pairs"], "count"),
            rate=text.figure(pairs["group_rate"], "share"),
            chi2=text.figure(pairs["dispersion"], "statistic"),
            df=pairs["dispersion_df"],
        )
    )
    st.markdown(f"**{text.t('group_lending.by_size')}**")
    tables.show(found.by_size)
    st.markdown(f"**{text.t('group_lending.members')}**")
    members = found.members.assign(
        defaulting_members=[text.t(f"group_lending.members_{i}") for i in range(len(factors.MEMBER_COUNTS))]
    )
    tables.show(members)
    st.caption(text.t("group_lending.members_help"))
    _gain(con, pop, ranking)


def _gain(con: duckdb.DuckDBPyConnection, pop: factors.Population, ranking: factors.Ranking) -> None:
    """The logit on chosen factors without and with the group factors."""
    st.subheader(text.t("group_lending.gain"))
    st.caption(text.t("group_lending.gain_help"))
    group = factors.group_column(pop.context)
    ranked = ranking.table.sort_values("iv", ascending=False)
    names = [name for name in ranked["factor"] if name != group]
    numeric = [name for name in names if datasets.type_class(pop.context.types[name]) in ("integer", "float")]
    carried = [name for name in session.get("model_factors") if name in names]
    left, right = st.columns([2, 1])
    base = left.multiselect(
        text.t("group_lending.base"),
        names,
        key=session.widget("group_base", default=carried or names[:BASE_FACTORS], options=names),
        placeholder=text.t("app.choose"),
    )
    overdue = next((name for name in numeric if "overdue" in name.lower()), None)
    peer = right.selectbox(
        text.t("group_lending.peer"),
        [None, *sorted(numeric)],
        format_func=lambda name: text.t("group_lending.no_peer") if name is None else name,
        key=session.widget("group_peer", default=overdue, options=[None, *numeric]),
    )
    binnings = {name: ranking.binnings[name] for name in base}
    with st.spinner(text.t("group_lending.fitting")):
        gain = widgets.attempt(
            cache.data,
            factors.group_gain,
            con,
            pop,
            peer=peer,
            depends_on=tuple(binning.spec for binning in binnings.values()),
            unhashed={"binnings": binnings},
        )
    if gain is None:
        return
    fits = gain.table.assign(factor_set=[text.t(f"group_lending.set.{k}") for k in gain.table["factor_set"]])
    tables.show(fits)
    without, with_groups = gain.table["auc"]
    st.markdown(
        text.t(
            "group_lending.gain_result",
            before=text.figure(without, "statistic"),
            after=text.figure(with_groups, "statistic"),
            lr=text.figure(gain.lr_statistic, "statistic"),
            df=gain.lr_df,
            p=text.p_value(gain.p_value),
        )
    )
    added = gain.added.assign(factor=[_factor_name(name, peer) for name in gain.added["factor"]])
    tables.show(added)
    _save(con, pop.context, peer)


def _save(con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext, peer: str | None) -> None:
    """The button that saves the table with the group factors for the Model page."""
    target = f"{ctx.table}_groups"
    label = text.t("group_lending.save", table=target)
    if st.button(label, key=session.widget("group_save"), help=text.t("group_lending.save_help")):
        columns = ", ".join(factors.group_factor_columns(peer).values())
        widgets.save(
            lambda: factors.save_group_factors(con, ctx, peer=peer, table=target),
            text.t("group_lending.saved", table=target, columns=columns),
        )
