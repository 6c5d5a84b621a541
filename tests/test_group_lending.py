"""Group lending: default of group and individual loans, the within-group default correlation and the groups'
defaulting members against independence, the group factors' SQL and what they add, all against hand computations
in pandas, scipy and statsmodels; and the Risk factors page's Group lending tab."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from sklearn.metrics import roc_auc_score
from streamlit.testing.v1 import AppTest

from analytics import datasets, factors, sample, store
from analytics.core import RiskLabError
from tests.conftest import PROJECT, add_table

BASE = ["debt_ratio", "prior_overdue_count", "annual_income", "credit_rating", "guarantee_method"]


@pytest.fixture(scope="module")
def loans():
    """The sample portfolio (default build) with its roles and default definition, and its booked loans."""
    con = store.connect(":memory:")
    sample.build_sample(con)
    table = sample.LOANS_TABLE
    datasets.save_roles(con, table, sample.SAMPLE_ROLES[table])
    datasets.save_definition(con, table, datasets.DefaultDefinition.from_dict(sample.SAMPLE_DEFAULTS[table]))
    pop = factors.population(datasets.table_context(con, table))
    frame = con.execute(f"SELECT * FROM {table}").df()
    yield con, pop, frame
    con.close()


def _per_group(frame: pd.DataFrame) -> pd.DataFrame:
    """Booked group loans by group, by hand: members with an outcome (n), defaults (d), the group's rows (size)."""
    size = frame.groupby("group_id").size()
    booked = frame[frame.booked & frame.group_id.notna()]
    per = booked.groupby("group_id").agg(n=("default_flag", "size"), d=("default_flag", "sum"))
    return per.assign(size=size.reindex(per.index))


def test_group_and_individual_default_rates_and_sizes_by_hand(loans):
    con, pop, frame = loans
    found = factors.group_lending(con, pop)
    booked = frame[frame.booked]
    grouped = booked.group_id.notna()
    by_hand = pd.DataFrame(
        {
            "loans": [grouped.sum(), (~grouped).sum()],
            "defaults": [booked.default_flag[grouped].sum(), booked.default_flag[~grouped].sum()],
            "mean_amount": [booked.loan_amount[grouped].mean(), booked.loan_amount[~grouped].mean()],
        }
    )
    pd.testing.assert_frame_equal(
        found.by_type[["loans", "defaults", "mean_amount"]], by_hand, check_dtype=False, rtol=1e-12
    )
    assert list(found.by_type["loan_type"]) == ["group", "individual"]
    assert found.by_type["bad_rate"].round(4).tolist() == [0.1040, 0.0855]  # data/README.md: 10.4% against 8.6%
    per = _per_group(frame)
    sizes = per.groupby("size").agg(groups=("n", "size"), loans=("n", "sum"), defaults=("d", "sum")).reset_index()
    assert found.by_size["group_size"].tolist() == [3, 4, 5]
    np.testing.assert_array_equal(
        found.by_size[["groups", "loans", "defaults"]], sizes[["groups", "loans", "defaults"]]
    )
    np.testing.assert_allclose(found.by_size["bad_rate"], sizes.defaults / sizes.loans, rtol=1e-12)


def test_within_group_correlation_and_defaulting_members_against_independence_by_hand(loans):
    con, pop, frame = loans
    found = factors.group_lending(con, pop)
    per = _per_group(frame)
    n, d = per.n.to_numpy(float), per.d.to_numpy(float)
    p = d.sum() / n.sum()
    pairs = (n * (n - 1) / 2).sum()
    defaulting = (d * (d - 1) / 2).sum()
    # the pairwise correlation of two members' default flags, pooled over all pairs of members of one group
    first, second = [], []
    for _, part in frame[frame.booked & frame.group_id.notna()].groupby("group_id"):
        flags = part.default_flag.to_numpy(float)
        for i in range(len(flags)):
            for j in range(len(flags)):
                if i != j:
                    first.append(flags[i])
                    second.append(flags[j])
    first, second = np.array(first), np.array(second)
    # with p the pooled rate of the members (not of the pairs): the moment estimate of the intra-class correlation
    moment = ((first * second).mean() - p**2) / (p * (1 - p))
    pairs_found = found.pairs
    assert pairs_found["groups"] == len(per) == 1434
    assert pairs_found["pairs"] == pairs == len(first) / 2 == 4500
    assert pairs_found["defaulting_pairs"] == defaulting == 90
    assert pairs_found["expected_pairs"] == pytest.approx(p**2 * pairs, rel=1e-12)
    assert pairs_found["expected_pairs"] == pytest.approx(48.674, abs=1e-3)
    assert pairs_found["correlation"] == pytest.approx(moment, rel=1e-12)
    assert pairs_found["correlation"] == pytest.approx(0.0986, abs=1e-4)  # 0 under independence
    chi2 = ((d - n * p) ** 2 / (n * p * (1 - p))).sum()
    assert pairs_found["dispersion"] == pytest.approx(chi2, rel=1e-12)
    assert pairs_found["p_value"] == pytest.approx(stats.chi2.sf(chi2, len(per) - 1), rel=1e-9)
    assert pairs_found["p_value"] < 1e-6

    # groups with none, one and two or more defaulting members, against a binomial per group at the rate p
    observed = [(per.d == 0).sum(), (per.d == 1).sum(), (per.d >= 2).sum()]
    none = ((1 - p) ** per.n).sum()
    one = (per.n * p * (1 - p) ** (per.n - 1)).sum()
    expected = [none, one, len(per) - none - one]
    members = found.members
    assert members["defaulting_members"].tolist() == ["0", "1", "2+"]
    assert members["groups"].tolist() == observed == [1089, 280, 65]
    np.testing.assert_allclose(members["expected_groups"], expected, rtol=1e-12)
    assert members["expected_groups"].round(1).tolist() == [1058.9, 331.8, 43.3]


def test_independent_defaults_give_no_correlation(con):
    """Groups whose members default independently: the correlation is near 0 and the dispersion test is quiet;
    the same members with their defaults sorted into the same groups correlate strongly."""
    rng = np.random.default_rng(7)
    n = 3000
    frame = pd.DataFrame(
        {
            "loan_no": [f"L{i}" for i in range(n)],
            "group_no": [f"G{i // 4}" if i < 2400 else None for i in range(n)],
            "bad": (rng.random(n) < 0.2).astype(int),
        }
    )
    add_table(con, "independent", frame)
    datasets.save_roles(con, "independent", {"loan_no": "loan_id", "group_no": "group", "bad": "outcome"})
    defn = datasets.DefaultDefinition(kind="flag", column="bad", values=(1,))
    pop = factors.population(datasets.table_context(con, "independent"), defn)
    found = factors.group_lending(con, pop)
    assert abs(found.pairs["correlation"]) < 0.05 and found.pairs["p_value"] > 0.01
    clustered = frame.assign(bad=np.r_[np.sort(frame.bad[:2400].to_numpy()), frame.bad[2400:]])
    add_table(con, "clustered", clustered)
    datasets.save_roles(con, "clustered", {"loan_no": "loan_id", "group_no": "group", "bad": "outcome"})
    found = factors.group_lending(con, factors.population(datasets.table_context(con, "clustered"), defn))
    assert found.pairs["correlation"] > 0.9 and found.pairs["p_value"] < 1e-12


def test_a_table_without_groups_says_so(con):
    add_table(con, "plain", pd.DataFrame({"loan_no": ["a", "b"], "bad": [0, 1]}))
    datasets.save_roles(con, "plain", {"loan_no": "loan_id", "bad": "outcome"})
    defn = datasets.DefaultDefinition(kind="flag", column="bad", values=(1,))
    with pytest.raises(RiskLabError, match="no column with the role") as caught:
        factors.group_lending(con, factors.population(datasets.table_context(con, "plain"), defn))
    assert caught.value.key == "group_lending.no_group"
    add_table(con, "alone", pd.DataFrame({"loan_no": ["a", "b"], "team": ["", None], "bad": [0, 1]}))
    datasets.save_roles(con, "alone", {"loan_no": "loan_id", "team": "group", "bad": "outcome"})
    with pytest.raises(RiskLabError, match="column 'team' holds no group id for any loan with a known outcome"):
        factors.group_lending(con, factors.population(datasets.table_context(con, "alone"), defn))


def test_group_factors_sql_against_pandas(loans):
    """Group member, group size and the other members' mean prior overdue count: DuckDB window functions over the
    group column against pandas groupby on every row, NULLs of the peer factor left out."""
    con, pop, _ = loans
    ctx = pop.context
    con.execute(
        "CREATE OR REPLACE TABLE holes AS SELECT * REPLACE (CASE WHEN loan_id LIKE '%3' THEN NULL ELSE "
        "prior_overdue_count END AS prior_overdue_count) FROM sample_loans"
    )
    for table in ("sample_loans", "holes"):
        table_ctx = datasets.table_context(con, table) if table == "holes" else ctx
        sql = factors.group_factors_sql(table_ctx, "group_id", "prior_overdue_count")
        got = con.execute(
            f"SELECT loan_id, __group_member, __group_size, __others_mean FROM {sql} ORDER BY loan_id"
        ).df()
        rows = con.execute(f"SELECT loan_id, group_id, prior_overdue_count FROM {table} ORDER BY loan_id").df()
        x = rows.prior_overdue_count.astype(float)
        by_group = rows.groupby("group_id")
        member = rows.group_id.notna()
        size = by_group.loan_id.transform("size")
        others_sum = x.groupby(rows.group_id).transform("sum") - x.fillna(0)
        others_count = x.groupby(rows.group_id).transform("count") - x.notna()
        others = (others_sum / others_count.where(others_count > 0)).fillna(0)
        np.testing.assert_array_equal(got.__group_member, member.astype(int))
        np.testing.assert_array_equal(got.__group_size, size.where(member, 0))
        np.testing.assert_allclose(got.__others_mean, others.where(member, 0.0), rtol=1e-12, atol=1e-12)
    assert got.__others_mean.max() == pytest.approx(4.5)


def test_what_group_factors_add_against_statsmodels(loans):
    """The fit without and with the group factors against statsmodels' GLM on the same frame; the true peer term
    (+0.35 per unit of the other members' mean prior overdue count) is found."""
    con, pop, frame = loans
    ranking = factors.rank_factors(con, pop)
    binnings = {name: ranking.binnings[name] for name in BASE}
    rows = factors.group_factor_frame(con, pop, binnings, peer="prior_overdue_count")
    booked = frame[frame.booked].set_index("loan_id")
    assert len(rows) == len(booked) and rows.bad.sum() == booked.default_flag.sum()
    gain = factors.group_gain(con, pop, binnings, peer="prior_overdue_count")
    fits = {}
    for name, columns in (("without", BASE), ("with", [*BASE, *factors.GROUP_FACTORS])):
        x = sm.add_constant(rows[columns], has_constant="add")
        fits[name] = sm.GLM(rows.bad, x, family=sm.families.Binomial()).fit()
    table = gain.table.set_index("factor_set")
    for name, fit in fits.items():
        assert table.loc[name, "log_likelihood"] == pytest.approx(fit.llf, rel=1e-8)
        assert table.loc[name, "auc"] == pytest.approx(roc_auc_score(rows.bad, fit.fittedvalues), abs=1e-12)
        assert table.loc[name, "parameters"] == len(fit.params)
    lr = 2 * (fits["with"].llf - fits["without"].llf)
    assert gain.lr_statistic == pytest.approx(lr, rel=1e-6) and gain.lr_df == 3
    assert gain.p_value == pytest.approx(stats.chi2.sf(lr, 3), rel=1e-5)
    added = gain.added.set_index("factor")
    np.testing.assert_allclose(added.coef, fits["with"].params[list(factors.GROUP_FACTORS)], rtol=1e-5)
    np.testing.assert_allclose(added.se, fits["with"].bse[list(factors.GROUP_FACTORS)], rtol=1e-4)
    assert gain.lr_statistic == pytest.approx(13.69, abs=0.01) and gain.p_value < 0.01
    peer = added.loc["others_mean"]
    assert abs(peer.coef - sample.GROUP_PEER_OVERDUE) < 2 * peer.se  # the documented true effect
    assert table.loc["with", "auc"] > table.loc["without", "auc"]


@pytest.fixture
def app(demo_db, monkeypatch):
    monkeypatch.setenv("RISKLAB_DB", str(demo_db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/risk_factors.py").run()
    assert not at.exception
    return at


def _group_tables(app):
    """The tab's tables: by type, by size, by defaulting members, the two fits and the added factors."""
    return [frame.value for frame in app.dataframe[-5:]]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_group_lending_tab_shows_the_figures(app, lang):
    app.session_state["lang"] = lang
    app.run()
    assert not app.exception and not app.error
    assert {"en": "Group lending", "zh": "联保小组贷款"}[lang] in [tab.label for tab in app.tabs]
    by_type, by_size, members, fits, added = _group_tables(app)
    assert (
        by_type.iloc[:, 0].tolist()
        == {"en": ["Group loans", "Individual loans"], "zh": ["联保小组贷款", "个人贷款"]}[lang]
    )
    assert by_type["loans"].tolist() == [4048, 23056]
    assert by_size["group_size"].tolist() == [3, 4, 5]
    assert members["groups"].tolist() == [1089, 280, 65]
    metrics = {m.label: m.value for m in app.metric}
    correlation = {"en": "Within-group default correlation", "zh": "组内违约相关系数"}[lang]
    assert metrics[correlation] == "0.0986"
    assert len(fits) == 2 and len(added) == 3
    peer = {"en": "Other members' mean prior_overdue_count", "zh": "其他成员的 prior_overdue_count 均值"}[lang]
    assert added["factor"].tolist()[-1] == peer


def test_group_lending_tab_follows_the_chosen_factors(app):
    app.multiselect(key="group_base").set_value(["debt_ratio"]).run()
    app.selectbox(key="group_peer").set_value(None).run()
    assert not app.exception and not app.error
    _, _, _, fits, added = _group_tables(app)
    assert fits["parameters"].tolist() == [2, 4]  # constant and debt ratio; plus group loan and size
    assert len(added) == 2
    assert "LR = " in app.markdown[-1].value


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("group_id", "group"),
        ("Group No", "group"),
        ("solidarity_group", "group"),
        ("联保小组编号", "group"),
        ("小组", "group"),
        ("guarantee_method", "factor_categorical"),  # "joint group" is a value, not a group id
    ],
)
def test_the_group_role_is_detected_from_the_column_name(name, role):
    assert datasets.detect_roles([(name, "VARCHAR")]) == {name: role}


def test_saved_group_factors_are_candidate_factors_of_a_new_table(loans):
    con, pop, frame = loans
    ctx = pop.context
    table = factors.save_group_factors(con, ctx, peer="prior_overdue_count")
    assert table == "sample_loans_groups"
    saved = datasets.table_context(con, table)
    added = ["group_member", "group_size", "others_mean_prior_overdue_count"]
    assert [name for name, _ in saved.columns] == [name for name, _ in ctx.columns] + added
    assert {name: saved.role_map[name] for name in added} == dict.fromkeys(added, "factor_numeric")
    assert saved.role_map["group_id"] == "group" and saved.definition == ctx.definition
    got = con.execute(f"SELECT loan_id, {', '.join(added)} FROM {table} ORDER BY loan_id").df()
    sql = factors.group_factors_sql(ctx, "group_id", "prior_overdue_count")
    expected = con.execute(
        f"SELECT loan_id, __group_member, __group_size, __others_mean FROM {sql} ORDER BY loan_id"
    ).df()
    np.testing.assert_array_equal(got[added].to_numpy(), expected.iloc[:, 1:].to_numpy())
    assert len(got) == len(frame)
    # the Model page's candidates: the saved factors are ranked like any other
    ranked = factors.rank_factors(con, factors.population(saved)).table.set_index("factor")
    assert set(added) <= set(ranked.index)
    with pytest.raises(RiskLabError, match="already has a column 'group_member'"):
        factors.save_group_factors(con, saved, peer="prior_overdue_count", table="again")
    with pytest.raises(RiskLabError, match="not to 'sample_loans' itself"):
        factors.save_group_factors(con, ctx, table="sample_loans")


def test_the_tab_saves_the_group_factors_for_the_model_page(app, demo_db):
    app.button(key="group_save").click().run()
    assert not app.exception and not app.error
    assert "sample_loans_groups" in app.success[0].value
    from ui import database

    con = database._database(str(demo_db)).cursor()
    roles = datasets.table_context(con, "sample_loans_groups").role_map
    assert roles["others_mean_prior_overdue_count"] == "factor_numeric"
