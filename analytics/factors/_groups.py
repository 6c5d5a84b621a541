"""Group lending: default of joint-liability group loans against individual loans, the within-group default
correlation against independence, and what group-level factors add to a logit.

The group is the column with the ``group`` role (NULL or empty for individual loans). A group's size counts every
row of the table with its id (its members as the lender formed it, booked or not); the default figures count the
population's members with a known outcome.

Independence: every member of a group defaults with the same probability p (the group loans' default rate), each on
their own. Then a group with n members has Binomial(n, p) defaulting members and p² of its n(n-1)/2 pairs of
members both default. The within-group correlation of the default flags is the pairwise moment estimate
(observed share of defaulting pairs - p²) / (p (1 - p)): 0 under independence. The dispersion test compares the
groups' defaulting members with their binomial variance: X² = Σ (d - n p)² / (n p (1 - p)) on (groups - 1) degrees
of freedom (Tarone's test for extra-binomial variation).
"""

from __future__ import annotations

import dataclasses

import duckdb
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from analytics import datasets, store
from analytics.core import RiskLabError, auc
from analytics.factors._binning import Binning, Population, population_where, woe_sql

MEMBER_COUNTS = ("0", "1", "2+")  # groups by their number of defaulting members
GROUP_MEMBER, GROUP_SIZE, OTHERS_MEAN = "group_member", "group_size", "others_mean"
GROUP_FACTORS = (GROUP_MEMBER, GROUP_SIZE, OTHERS_MEAN)


@dataclasses.dataclass(frozen=True)
class GroupLending:
    """``by_type``: group and individual loans (loan_type, loans, defaults, bad_rate, mean_amount when the table has
    an amount); ``by_size``: group loans by the group's size (group_size, groups, loans, defaults, bad_rate);
    ``members``: groups by defaulting members, observed and expected under independence (defaulting_members,
    groups, expected_groups); ``pairs``: group_rate, pairs, defaulting_pairs, expected_pairs, correlation and
    the dispersion test (dispersion, dispersion_df, p_value)."""

    by_type: pd.DataFrame
    by_size: pd.DataFrame
    members: pd.DataFrame
    pairs: dict


@dataclasses.dataclass(frozen=True)
class GroupGain:
    """Two logits on the same loans, without and with the group factors: ``table`` (factor_set: without/with,
    parameters, log_likelihood, auc), the likelihood-ratio test of the added factors (lr_statistic, lr_df,
    p_value) and the added factors' coefficients (``added``: factor, coef, se, p_value)."""

    table: pd.DataFrame
    lr_statistic: float
    lr_df: int
    p_value: float
    added: pd.DataFrame


def group_column(ctx: datasets.TableContext) -> str:
    """The column with the group role, or ``group_lending.no_group``."""
    column = ctx.column_with_role("group")
    if column is None:
        raise RiskLabError("group_lending.no_group", table=ctx.table)
    return column


def _group_key(group: str) -> str:
    """The group id as text, NULL for individual loans (a NULL or blank id)."""
    return f"nullif(trim(CAST({store.quote_ident(group)} AS VARCHAR)), '')"


def group_lending(con: duckdb.DuckDBPyConnection, pop: Population, group: str | None = None) -> GroupLending:
    """Default of group and individual loans, by group size, per number of defaulting members and in pairs."""
    ctx = pop.context
    group = ctx.require_column(group or group_column(ctx))
    amount = ctx.column_with_role("amount")
    bad_sql, bad_params = datasets.default_sql(pop.defn)
    where, where_params = population_where(dataclasses.replace(pop, sample_every=1))
    key = _group_key(group)
    amount_sql = f"TRY_CAST({store.quote_ident(amount)} AS DOUBLE)" if amount else "NULL::DOUBLE"
    per_group = con.execute(
        f"""
        WITH t AS (SELECT *, {key} AS __group, count(*) OVER (PARTITION BY {key}) AS __size
                   FROM {store.quote_ident(pop.table)}),
             scan AS (SELECT __group, __size, {amount_sql} AS __amount, {bad_sql} AS __bad FROM t {where})
        SELECT __group AS "group", any_value(__size) AS size, count(*) AS loans, sum(__bad)::BIGINT AS defaults,
               avg(__amount) AS mean_amount
        FROM scan WHERE __bad IS NOT NULL GROUP BY __group
        """,
        [*bad_params, *where_params],
    ).df()
    alone = per_group["group"].isna()
    groups = per_group[~alone]
    if groups.empty:
        raise RiskLabError("group_lending.no_group_loans", column=group)
    by_type = _by_type(groups, per_group[alone], has_amount=amount is not None)
    by_size = (
        groups.groupby("size")
        .agg(groups=("group", "size"), loans=("loans", "sum"), defaults=("defaults", "sum"))
        .reset_index()
        .rename(columns={"size": "group_size"})
    )
    by_size["bad_rate"] = by_size["defaults"] / by_size["loans"]
    return GroupLending(by_type, by_size, _members(groups), _pairs(groups))


def _by_type(groups: pd.DataFrame, alone: pd.DataFrame, *, has_amount: bool) -> pd.DataFrame:
    rows = []
    for loan_type, part in (("group", groups), ("individual", alone)):
        loans, defaults = int(part["loans"].sum()), int(part["defaults"].sum())
        amount = (part["mean_amount"] * part["loans"]).sum() / loans if loans else np.nan
        rows.append((loan_type, loans, defaults, defaults / loans if loans else np.nan, amount))
    frame = pd.DataFrame(rows, columns=["loan_type", "loans", "defaults", "bad_rate", "mean_amount"])
    return frame if has_amount else frame.drop(columns="mean_amount")


def _members(groups: pd.DataFrame) -> pd.DataFrame:
    """Groups with 0, 1 and 2 or more defaulting members, and the number expected if members defaulted
    independently at the group loans' default rate (a binomial per group, summed over the groups)."""
    n, d = groups["loans"].to_numpy(), groups["defaults"].to_numpy()
    p = d.sum() / n.sum()
    none, one = stats.binom.pmf(0, n, p), stats.binom.pmf(1, n, p)
    observed = [(d == 0).sum(), (d == 1).sum(), (d >= 2).sum()]
    expected = [none.sum(), one.sum(), (1 - none - one).sum()]
    return pd.DataFrame({"defaulting_members": MEMBER_COUNTS, "groups": observed, "expected_groups": expected})


def _pairs(groups: pd.DataFrame) -> dict:
    """Pairs of members that both defaulted against independence, the correlation and the dispersion test."""
    n, d = groups["loans"].to_numpy(float), groups["defaults"].to_numpy(float)
    p = d.sum() / n.sum()
    pairs, defaulting = (n * (n - 1) / 2).sum(), (d * (d - 1) / 2).sum()
    spread = p * (1 - p)
    correlation = (defaulting / pairs - p**2) / spread if pairs and spread else np.nan
    dispersion = float(((d - n * p) ** 2 / (n * spread)).sum()) if spread else np.nan
    df = len(n) - 1
    return {
        "group_rate": float(p),
        "groups": len(n),
        "pairs": int(pairs),
        "defaulting_pairs": int(defaulting),
        "expected_pairs": float(p**2 * pairs),
        "correlation": float(correlation),
        "dispersion": dispersion,
        "dispersion_df": df,
        "p_value": float(stats.chi2.sf(dispersion, df)) if df > 0 and spread else np.nan,
    }


def group_factors_sql(ctx: datasets.TableContext, group: str, peer: str | None) -> str:
    """A subquery of every row of the table with three group factors added, by window functions over the group:
    ``group_member`` (1 for a group loan), ``group_size`` (the group's rows; 0 for individual loans) and, with a
    numeric ``peer`` column, ``others_mean`` (the other members' mean of it, NULLs left out; 0 when no other member
    has a value and for individual loans)."""
    key = _group_key(ctx.require_column(group))
    if peer is None:
        others = "0.0"
    else:
        x = f"TRY_CAST({store.quote_ident(ctx.require_column(peer))} AS DOUBLE)"
        others = (
            f"coalesce((sum({x}) OVER w - coalesce({x}, 0)) / nullif(count({x}) OVER w - ({x} IS NOT NULL)::INT, 0), 0)"
        )
    return f"""
        (SELECT *,
                CASE WHEN {key} IS NULL THEN 0 ELSE 1 END AS __{GROUP_MEMBER},
                CASE WHEN {key} IS NULL THEN 0 ELSE count(*) OVER w END AS __{GROUP_SIZE},
                CASE WHEN {key} IS NULL THEN 0.0 ELSE {others} END AS __{OTHERS_MEAN}
         FROM {store.quote_ident(ctx.table)} WINDOW w AS (PARTITION BY {key}))
    """


def group_factor_frame(
    con: duckdb.DuckDBPyConnection,
    pop: Population,
    binnings: dict[str, Binning],
    *,
    group: str | None = None,
    peer: str | None = None,
) -> pd.DataFrame:
    """The population's loans with a known outcome: each factor of ``binnings`` as its WOE, the group factors
    (``GROUP_FACTORS``, computed in DuckDB over the whole table) and ``bad`` (0/1)."""
    ctx = pop.context
    group = group or group_column(ctx)
    items, params = [], []
    for i, binning in enumerate(binnings.values()):
        sql, woe_params = woe_sql(binning)
        items.append(f"{sql} AS __woe_{i}")
        params += woe_params
    bad_sql, bad_params = datasets.default_sql(pop.defn)
    where, where_params = population_where(dataclasses.replace(pop, sample_every=1))
    select = ", ".join([*items, *(f"__{name}" for name in GROUP_FACTORS), f"{bad_sql} AS __bad"])
    frame = con.execute(
        f"SELECT * FROM (SELECT {select} FROM {group_factors_sql(ctx, group, peer)} {where}) WHERE __bad IS NOT NULL",
        [*params, *bad_params, *where_params],
    ).df()
    names = {f"__woe_{i}": factor for i, factor in enumerate(binnings)}
    names |= {f"__{name}": name for name in GROUP_FACTORS} | {"__bad": "bad"}
    return frame.rename(columns=names).astype(float)


def group_factor_gain(frame: pd.DataFrame, base: list[str], added: list[str]) -> GroupGain:
    """The logit of ``bad`` on ``base`` and on ``base`` + ``added`` (statsmodels, maximum likelihood), their AUC
    on the same loans and the likelihood-ratio test of the added factors."""
    if not added:
        raise RiskLabError("group_lending.no_added")
    y = frame["bad"].to_numpy()
    fits = {}
    for factor_set, columns in (("without", base), ("with", [*base, *added])):
        x = sm.add_constant(frame[columns].to_numpy(), has_constant="add")
        try:
            fits[factor_set] = sm.Logit(y, x).fit(disp=0, maxiter=100)
        except np.linalg.LinAlgError:
            raise RiskLabError("group_lending.singular", factors=", ".join(columns)) from None
    table = pd.DataFrame(
        [(factor_set, len(fit.params), float(fit.llf), auc(y, fit.predict())) for factor_set, fit in fits.items()],
        columns=["factor_set", "parameters", "log_likelihood", "auc"],
    )
    lr = max(2 * (fits["with"].llf - fits["without"].llf), 0.0)
    lr_df = len(added)
    full = fits["with"]
    tail = slice(len(base) + 1, None)
    added_table = pd.DataFrame(
        {"factor": added, "coef": full.params[tail], "se": full.bse[tail], "p_value": full.pvalues[tail]}
    )
    return GroupGain(table, float(lr), lr_df, float(stats.chi2.sf(lr, lr_df)), added_table)


def group_gain(
    con: duckdb.DuckDBPyConnection,
    pop: Population,
    binnings: dict[str, Binning],
    *,
    group: str | None = None,
    peer: str | None = None,
) -> GroupGain:
    """What the group factors add to a logit on the WOE of ``binnings``' factors (``group_factor_frame``, then
    ``group_factor_gain``); without a ``peer`` column, the group member flag and the group size only."""
    frame = group_factor_frame(con, pop, binnings, group=group, peer=peer)
    added = [name for name in GROUP_FACTORS if peer is not None or name != OTHERS_MEAN]
    return group_factor_gain(frame, list(binnings), added)


def group_factor_columns(peer: str | None) -> dict[str, str]:
    """The columns ``save_group_factors`` adds, by the group factor they hold."""
    names = {GROUP_MEMBER: GROUP_MEMBER, GROUP_SIZE: GROUP_SIZE}
    return names | ({OTHERS_MEAN: f"others_mean_{peer}"} if peer else {})


def save_group_factors(
    con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext, *, peer: str | None = None, table: str = ""
) -> str:
    """(Re)create ``table`` (default ``<table>_groups``): every row and column of ``ctx``'s table plus the group
    factors (``group_factor_columns``) as candidate numeric factors, with the table's roles and default
    definition, so the Model page can fit them. Returns the new table's name."""
    group = group_column(ctx)
    table = table or f"{ctx.table}_groups"
    if table == ctx.table:
        raise RiskLabError("group_lending.same_table", table=table)
    added = group_factor_columns(peer)
    taken = [name for name in added.values() if name in ctx.types]
    if taken:
        raise RiskLabError("group_lending.column_taken", column=taken[0], table=ctx.table)
    replaced = table in store.user_tables(con)
    source = group_factors_sql(ctx, group, peer)
    hidden = ", ".join(f"__{name}" for name in GROUP_FACTORS)
    columns = ", ".join(f"__{key} AS {store.quote_ident(name)}" for key, name in added.items())
    with store.transaction(con):
        select = f"SELECT * EXCLUDE ({hidden}), {columns} FROM {source}"
        con.execute(f"CREATE OR REPLACE TABLE {store.quote_ident(table)} AS {select}")
        ((rows,),) = con.execute(f"SELECT count(*) FROM {store.quote_ident(table)}").fetchall()
        store.record_import(
            con,
            table=table,
            source_file=f"group factors of {ctx.table}",
            checksum=f"{ctx.table}:{ctx.version[1:]}:{peer}",
            rows=rows,
            columns=len(ctx.columns) + len(added),
            replaced=replaced,
        )
    datasets.save_roles(con, table, ctx.role_map | dict.fromkeys(added.values(), "factor_numeric"))
    if ctx.definition is not None:
        datasets.save_definition(con, table, ctx.definition)
    return table
