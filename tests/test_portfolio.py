"""Portfolio figures pinned against independent pandas computations, a hand-made table, and the CLI contract."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from analytics import datasets, portfolio, sample, store
from analytics.core import RiskLabError
from analytics.portfolio import _query, _summary
from tests.test_cli import cli

D = dt.date
NPL = set(datasets.NON_PERFORMING)


# --- fixtures -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_con():
    """A small seeded sample portfolio with the demo's roles and default definitions."""
    con = store.connect(":memory:")
    sample.build_sample(con, loans=3000, months=30)
    for table, table_roles in sample.SAMPLE_ROLES.items():
        datasets.save_roles(con, table, table_roles)
        datasets.save_definition(con, table, datasets.DefaultDefinition.from_dict(sample.SAMPLE_DEFAULTS[table]))
    yield con
    con.close()


@pytest.fixture(scope="module")
def source(sample_con):
    return _resolve(sample_con, "sample_performance")


@pytest.fixture(scope="module")
def perf(sample_con) -> pd.DataFrame:
    """The performance table in pandas, with the month and the default event computed independently."""
    df = sample_con.execute("SELECT * FROM sample_performance").df()
    df["month"] = pd.to_datetime(df["snapshot_date"]).dt.to_period("M")
    df["category"] = df["classification"].map(datasets.normalise_classification)
    df["written_off"] = (df["status"] == "written_off") | (df["write_off_amount"] > 0)
    df["event"] = (df["days_past_due"] >= 90) | df["written_off"]
    return df


def _month(period: pd.Period) -> dt.date:
    return period.to_timestamp().date()


# the hand-made table: five loans, three month-end snapshots; in March:
#   A 100 current normal; B 200 45 dpd special mention; C 300 120 dpd substandard;
#   D 400 current but classified 次级 (restructured, downgraded by judgement); E written off in March (was 50).
TINY_ROWS = [
    ("A", "2024-01-31", 120.0, 0, "normal", "current", 0.0, "2023-12-05", "North", "Ann"),
    ("A", "2024-02-29", 110.0, 0, "normal", "current", 0.0, "2023-12-05", "North", "Ann"),
    ("A", "2024-03-31", 100.0, 0, "正常", "current", 0.0, "2023-12-05", "North", "Ann"),
    ("B", "2024-01-31", 200.0, 0, "normal", "current", 0.0, "2023-12-20", "North", "Bo"),
    ("B", "2024-02-29", 200.0, 15, "special mention", "overdue", 0.0, "2023-12-20", "North", "Bo"),
    ("B", "2024-03-31", 200.0, 45, "关注", "overdue", 0.0, "2023-12-20", "North", "Bo"),
    ("C", "2024-02-29", 300.0, 60, "special mention", "overdue", 0.0, "2024-01-10", "South", "Cy"),
    ("C", "2024-03-31", 300.0, 120, "substandard", "overdue", 0.0, "2024-01-10", "South", "Cy"),
    ("D", "2024-03-31", 400.0, 0, "次级", "current", 0.0, "2024-03-02", "South", "Cy"),
    ("E", "2024-01-31", 50.0, 100, "substandard", "overdue", 0.0, "2023-11-11", "South", "Cy"),
    ("E", "2024-02-29", 50.0, 130, "doubtful", "overdue", 0.0, "2023-11-11", "South", "Cy"),
    ("E", "2024-03-31", 0.0, 160, "loss", "written_off", 50.0, "2023-11-11", "South", "Cy"),
]
TINY_COLUMNS = [
    "loan_id",
    "snapshot_date",
    "balance",
    "days_past_due",
    "classification",
    "status",
    "write_off_amount",
    "origination_date",
    "branch",
    "officer",
]


def _resolve(con, table: str, overrides: dict | None = None) -> portfolio.Source:
    """``portfolio.resolve`` with the table's context read first, as a page reads it once per run."""
    return portfolio.resolve(con, datasets.table_context(con, table), overrides)


def _tiny(con, table="tiny", drop=(), snapshot_sql="CAST(snapshot_date AS DATE)"):
    frame = pd.DataFrame(TINY_ROWS, columns=TINY_COLUMNS).drop(columns=list(drop))
    con.register("_tiny_src", frame)
    columns = ", ".join(c if c != "snapshot_date" else f"{snapshot_sql} AS snapshot_date" for c in frame.columns)
    columns = columns.replace("origination_date", "CAST(origination_date AS DATE) AS origination_date")
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {columns} FROM _tiny_src")
    con.unregister("_tiny_src")
    return table


# --- the hand-made table: figures you can check in your head --------------------------------------------------------


def test_tiny_table_kpis(con):
    source = _resolve(con, _tiny(con))
    result = portfolio.kpis(con, source)
    assert result.as_of == D(2024, 3, 31) and result.month == D(2024, 3, 1)
    got = {v.key: v.value for v in result.values}
    assert got["loans"] == 4 and got["outstanding"] == 1000
    assert got["par30"] == pytest.approx(0.5)  # B 200 + C 300
    assert got["par90"] == pytest.approx(0.3)  # C 300
    assert got["npl_ratio"] == pytest.approx(0.7)  # C 300 + D 400: NPL follows the classification, not the DPD
    assert got["disbursed"] == 400  # D appears for the first time in March
    # write-offs: 50 in 3 months; average gross (370 + 660 + 1000) / 3; annualised x 12 / 3
    assert got["write_off_ratio"] == pytest.approx(50 * 4 / ((370 + 660 + 1000) / 3))
    assert got["default_rate_12m"] is None  # no month 12 months earlier
    february = result.get("par30")
    assert february.previous == pytest.approx((300 + 50) / 660)  # C 60 dpd and E 130 dpd in February
    assert february.change_month == pytest.approx(0.5 - 350 / 660)
    assert result.get("loans").previous == 4 and result.get("loans").year_ago is None
    assert not result.classification_derived


def test_without_classification_the_dpd_floor_gives_the_categories(con):
    source = _resolve(con, _tiny(con, drop=["classification"]))
    assert source.classification_derived
    assert portfolio.kpis(con, source).get("npl_ratio").value == pytest.approx(0.3)  # only C is over 90 days
    mix = portfolio.classification_mix(con, source)
    march = mix[mix["month"] == D(2024, 3, 1)].set_index("category")["balance"]
    assert march.to_dict() == {"normal": 500, "special_mention": 200, "substandard": 300, "doubtful": 0, "loss": 0}


def test_mix_reads_english_and_chinese_labels(con):
    mix = portfolio.classification_mix(con, _resolve(con, _tiny(con)))
    march = mix[mix["month"] == D(2024, 3, 1)].set_index("category")
    assert march["balance"].to_dict() == {
        "normal": 100,
        "special_mention": 200,
        "substandard": 700,
        "doubtful": 0,
        "loss": 0,
    }
    assert march["share"].sum() == pytest.approx(1.0)
    assert list(march["rank"]) == [1, 2, 3, 4, 5]


def test_tiny_roll_rates(con):
    rates = portfolio.roll_rates(con, _resolve(con, _tiny(con)), window=2)
    moves = {(r.from_state, r.to_state): r.balance for r in rates.itertuples()}
    # Jan -> Feb: A current->current 120, B current->1-30 200, E 91-180->91-180 50
    # Feb -> Mar: A current->current 110, B 1-30->31-60 200, C 31-60->91-180 300, E 91-180->written off 50
    assert moves == {
        ("current", "current"): 230,
        ("current", "dpd_1_30"): 200,
        ("dpd_1_30", "dpd_31_60"): 200,
        ("dpd_31_60", "dpd_91_180"): 300,
        ("dpd_91_180", "dpd_91_180"): 50,
        ("dpd_91_180", "written_off"): 50,
    }
    matrix = portfolio.roll_rate_matrix(rates)
    assert matrix.loc["current", "dpd_1_30"] == pytest.approx(200 / 430)
    assert matrix.loc["dpd_91_180", "written_off"] == pytest.approx(0.5)
    assert list(matrix.columns) == list(portfolio.ROLL_STATES)
    assert np.allclose(matrix.loc[["current", "dpd_1_30", "dpd_31_60", "dpd_91_180"]].sum(axis=1), 1.0)
    one = portfolio.roll_rates(con, _resolve(con, "tiny"), window=1)
    assert set(one["from_state"]) == {"current", "dpd_1_30", "dpd_31_60", "dpd_91_180"}  # Feb -> Mar only


def test_tiny_breakdown_and_concentration(con):
    source = _resolve(con, _tiny(con))
    by_branch = portfolio.breakdown(con, source, "branch").set_index("group")
    assert list(by_branch.index) == ["South", "North"]  # largest outstanding first
    assert by_branch.loc["South", "outstanding"] == 700 and by_branch.loc["South", "loans"] == 2
    assert by_branch.loc["South", "npl_ratio"] == pytest.approx(1.0)
    assert by_branch.loc["North", "par30"] == pytest.approx(200 / 300)
    assert by_branch["share"].sum() == pytest.approx(1.0)
    conc = portfolio.concentration(con, source)
    assert not conc.by_borrower and conc.top_share == pytest.approx(1.0)
    assert list(conc.top["borrower"]) == ["D", "C", "B", "A"]
    hhi = conc.hhi.set_index("dimension")["hhi"]
    assert hhi["branch"] == pytest.approx(0.7**2 + 0.3**2)
    assert hhi["officer"] == pytest.approx(0.7**2 + 0.2**2 + 0.1**2)


def test_filters_and_period(con):
    source = _resolve(con, _tiny(con))
    north = portfolio.kpis(con, source, portfolio.Filters(branch=("North",)))
    assert north.get("outstanding").value == 300 and north.get("npl_ratio").value == 0
    officers = portfolio.kpis(con, source, portfolio.Filters(officer=("Cy", "Bo")))
    assert officers.get("loans").value == 3
    trend = portfolio.monthly(con, source, portfolio.Filters(start=D(2024, 2, 1), end=D(2024, 2, 29)))
    assert list(trend["month"]) == [D(2024, 2, 1)]
    assert portfolio.monthly(con, source, portfolio.Filters(branch=("Nowhere",))).empty


def test_text_and_integer_snapshot_periods(con):
    as_text = _resolve(con, _tiny(con, "tiny_text", snapshot_sql="strftime(CAST(snapshot_date AS DATE), '%Y-%m')"))
    assert portfolio.kpis(con, as_text).get("npl_ratio").value == pytest.approx(0.7)
    as_int = _resolve(
        con, _tiny(con, "tiny_int", snapshot_sql="CAST(strftime(CAST(snapshot_date AS DATE), '%Y%m') AS INTEGER)")
    )
    result = portfolio.kpis(con, as_int, as_of="2024-02-15")
    assert result.month == D(2024, 2, 1) and result.as_of == D(2024, 2, 29)
    assert result.get("loans").value == 4


def test_several_snapshots_a_month_use_the_last(con):
    _tiny(con)
    con.execute(
        "INSERT INTO tiny VALUES ('A', DATE '2024-03-15', 999, 99, 'loss', 'overdue', 0, DATE '2023-12-05', 'North', "
        "'Ann')"
    )
    source = _resolve(con, "tiny")
    assert not source.one_row_per_month
    assert portfolio.kpis(con, source).get("outstanding").value == 1000


def test_one_row_per_month_is_checked_once_per_state_of_the_table(con, monkeypatch, tmp_path):
    scans = []
    execute = _query.Query.execute
    monkeypatch.setattr(_query.Query, "execute", lambda q, c, sql: (scans.append(sql), execute(q, c, sql))[1])
    checks = lambda: sum("count(DISTINCT hash(" in sql for sql in scans)  # noqa: E731

    assert _resolve(con, _tiny(con)).one_row_per_month and checks() == 1
    assert _resolve(con, "tiny").one_row_per_month and checks() == 1  # remembered in the catalog
    con.execute("INSERT INTO tiny SELECT * REPLACE (DATE '2024-03-15' AS snapshot_date) FROM tiny LIMIT 1")
    assert not _resolve(con, "tiny").one_row_per_month and checks() == 2  # the table changed: checked again
    assert not _resolve(con, "tiny").one_row_per_month and checks() == 2
    assert _resolve(con, _tiny(con)).one_row_per_month and checks() == 3  # replaced
    facts = con.execute("SELECT count(*) FROM risklab_catalog.table_facts WHERE table_name = 'tiny'").fetchall()
    assert facts == [(1,)]  # only the latest state is kept

    path = tmp_path / "ro.duckdb"
    writer = store.connect(path)
    _tiny(writer)
    writer.close()
    reader = store.connect(path, read_only=True)  # nothing can be stored: checked on every resolve
    assert _resolve(reader, "tiny").one_row_per_month and _resolve(reader, "tiny").one_row_per_month
    assert checks() == 5
    reader.close()


def test_vintages_on_the_tiny_table(con):
    curves = portfolio.vintages(con, _resolve(con, _tiny(con)), by="month")
    e = curves[curves["cohort"] == "2023-11"].set_index("mob")
    # E (originated November) is 100 days past due at its first snapshot (January, 2 months on book)
    assert e["default_rate"].to_dict() == {0: 0.0, 1: 0.0, 2: 1.0, 3: 1.0, 4: 1.0}
    assert e["ever30_rate"].to_dict() == {0: 0.0, 1: 0.0, 2: 1.0, 3: 1.0, 4: 1.0}
    december = curves[curves["cohort"] == "2023-12"]
    assert december["loans"].iloc[0] == 2 and december["ever30_rate"].iloc[-1] == 0.5
    quarters = portfolio.vintages(con, _resolve(con, "tiny"))
    assert list(dict.fromkeys(quarters["cohort"])) == ["2023Q4", "2024Q1"]


# --- the sample portfolio against pandas --------------------------------------------------------------------------


def _pandas_monthly(perf: pd.DataFrame) -> pd.DataFrame:
    pos = perf[perf["balance"] > 0]
    out = pd.DataFrame(
        {
            "loans": pos.groupby("month").size(),
            "outstanding": pos.groupby("month")["balance"].sum(),
            "par30": pos[pos["days_past_due"] > 30].groupby("month")["balance"].sum(),
            "par90": pos[pos["days_past_due"] > 90].groupby("month")["balance"].sum(),
            "npl": pos[pos["category"].isin(NPL)].groupby("month")["balance"].sum(),
            "write_offs": perf.groupby("month")["write_off_amount"].sum(),
        }
    ).fillna(0.0)
    for key in ("par30", "par90", "npl"):
        out[key] = out[key] / out["outstanding"]
    first = perf.sort_values("month").groupby("loan_id").first()
    out["disbursed"] = first.groupby("month")["balance"].sum().reindex(out.index).fillna(0.0)
    out["disbursed_loans"] = first.groupby("month").size().reindex(out.index).fillna(0)
    rolling_wo = out["write_offs"].rolling(12, min_periods=1).sum()
    rolling_avg = out["outstanding"].rolling(12, min_periods=1).mean()
    months_in = out["outstanding"].rolling(12, min_periods=1).count()
    out["write_off_ratio"] = rolling_wo * 12 / months_in / rolling_avg
    first_default = perf[perf["event"]].groupby("loan_id")["month"].min()
    rates = {}
    for month in out.index:
        start = month - 12
        at = pos[pos["month"] == start]
        if at.empty:
            continue
        fd = at["loan_id"].map(first_default)
        cohort = at[fd.isna() | (fd > start)]
        defaulted = cohort["loan_id"].map(first_default) <= month
        rates[month] = defaulted.sum() / len(cohort)
    out["default_rate_12m"] = pd.Series(rates)
    return out


def test_monthly_matches_pandas(sample_con, source, perf):
    ours = portfolio.monthly(sample_con, source).set_index("month")
    ref = _pandas_monthly(perf)
    ref.index = [_month(p) for p in ref.index]
    assert list(ours.index) == list(ref.index)
    assert (ours["loans"] == ref["loans"]).all()
    assert (ours["disbursed_loans"] == ref["disbursed_loans"]).all()
    for ours_key, ref_key in [
        ("outstanding", "outstanding"),
        ("par30", "par30"),
        ("par90", "par90"),
        ("npl_ratio", "npl"),
        ("disbursed", "disbursed"),
        ("write_off_ratio", "write_off_ratio"),
        ("write_offs", "write_offs"),
    ]:
        np.testing.assert_allclose(ours[ours_key].astype(float), ref[ref_key], rtol=1e-9, err_msg=ours_key)
    have = ref["default_rate_12m"].notna()
    assert have.sum() >= 10
    np.testing.assert_allclose(ours.loc[have, "default_rate_12m"].astype(float), ref.loc[have, "default_rate_12m"])
    assert ours.loc[~have, "default_rate_12m"].isna().all()
    # settlement and write-off within 180 days (data/README.md) keep PAR30 low: 1.96% at this build's cut-off
    assert 0.01 < ours["par30"].iloc[-1] < 0.2 and 0.03 < ours["default_rate_12m"].iloc[-1] < 0.2


def test_kpis_of_an_earlier_month_compare_with_pandas(sample_con, source, perf):
    ref = _pandas_monthly(perf)
    month = ref.index[-5]
    result = portfolio.kpis(sample_con, source, as_of=_month(month).isoformat())
    npl = result.get("npl_ratio")
    assert npl.value == pytest.approx(ref.loc[month, "npl"])
    assert npl.previous == pytest.approx(ref.loc[month - 1, "npl"])
    assert npl.year_ago == pytest.approx(ref.loc[month - 12, "npl"])
    assert result.get("loans").change_year == ref.loc[month, "loans"] - ref.loc[month - 12, "loans"]


def test_filtered_kpis_match_pandas(sample_con, source, perf):
    branch, segment = "Hexi", "farm"
    result = portfolio.kpis(sample_con, source, portfolio.Filters(branch=(branch,), segment=(segment,)))
    ref = _pandas_monthly(perf[(perf["branch"] == branch) & (perf["segment"] == segment)]).iloc[-1]
    assert result.get("loans").value == ref["loans"]
    assert result.get("par30").value == pytest.approx(ref["par30"])
    assert result.get("default_rate_12m").value == pytest.approx(ref["default_rate_12m"])


def test_classification_mix_matches_pandas(sample_con, source, perf):
    mix = portfolio.classification_mix(sample_con, source)
    pos = perf[perf["balance"] > 0]
    ref = pos.groupby(["month", "category"])["balance"].sum()
    ours = mix.set_index(["month", "category"])["balance"]
    for (month, category), value in ref.items():
        assert ours[(_month(month), category)] == pytest.approx(value)
    assert len(mix) == 5 * perf["month"].nunique()


def test_vintages_match_pandas(sample_con, source, perf):
    curves = portfolio.vintages(sample_con, source, by="quarter")
    loans = perf.groupby("loan_id").agg(orig=("origination_date", "min"))
    loans["orig"] = pd.to_datetime(loans["orig"]).dt.to_period("M")
    loans["first_default"] = perf[perf["event"]].groupby("loan_id")["month"].min()
    loans["first_30"] = perf[perf["days_past_due"] >= 30].groupby("loan_id")["month"].min()
    loans["cohort"] = loans["orig"].dt.asfreq("Q").astype(str).str.replace("Q", "Q")
    last = perf["month"].max()

    def mob(col):
        return loans.apply(lambda r: np.nan if pd.isna(r[col]) else max((r[col] - r["orig"]).n, 0), axis=1)

    loans["d_mob"], loans["e30_mob"] = mob("first_default"), mob("first_30")
    checked = 0
    for cohort, group in loans.groupby("cohort"):
        quarter = pd.Period(cohort, "Q")
        top = min((last - quarter.asfreq("M", "end")).n, portfolio.MAX_MOB)
        ours = curves[curves["cohort"] == cohort].set_index("mob")
        assert list(ours.index) == list(range(top + 1)), cohort
        for m in (0, 3, 6, 12, top):
            if m > top:
                continue
            assert ours.loc[m, "loans"] == len(group)
            assert ours.loc[m, "default_rate"] == pytest.approx((group["d_mob"] <= m).mean())
            assert ours.loc[m, "ever30_rate"] == pytest.approx((group["e30_mob"] <= m).mean())
            checked += 1
    assert checked > 20


def test_roll_rates_match_pandas(sample_con, source, perf):
    window = 6
    rates = portfolio.roll_rates(sample_con, source, window=window)
    df = perf.sort_values(["loan_id", "month"]).copy()
    nxt = df.groupby("loan_id").shift(-1)
    last = df["month"].max()
    bins = [-np.inf, 0, 30, 60, 90, 180, np.inf]
    labels = [b.key for b in portfolio.DPD_BUCKETS]
    df["from_state"] = pd.cut(df["days_past_due"], bins, labels=labels).astype(str)
    to = pd.cut(nxt["days_past_due"], bins, labels=labels).astype(str)
    gap = nxt["month"].isna() | (nxt["month"] != df["month"] + 1)
    to = to.where(~((nxt["balance"] <= 0) & ~nxt["written_off"].astype(bool)), "paid_off")
    to = to.where(~nxt["written_off"].fillna(False).astype(bool), "written_off")
    df["to_state"] = to.where(~gap, "paid_off")
    keep = (df["balance"] > 0) & ~df["written_off"] & (df["month"] < last) & (df["month"] >= last - window)
    ref = df[keep].groupby(["from_state", "to_state"])["balance"].sum()
    ours = rates.set_index(["from_state", "to_state"])["balance"]
    assert set(ours.index) == set(ref.index)
    for key, value in ref.items():
        assert ours[key] == pytest.approx(value)
    shares = rates.groupby("from_state")["share"].sum()
    assert np.allclose(shares, 1.0)


def test_breakdown_by_officer_matches_pandas(sample_con, source, perf):
    ours = portfolio.breakdown(sample_con, source, "officer").set_index("group")
    last = perf[(perf["month"] == perf["month"].max()) & (perf["balance"] > 0)]
    grouped = last.groupby("officer")
    assert list(ours.index) == list(grouped["balance"].sum().sort_values(ascending=False).index)
    for officer, group in grouped:
        total = group["balance"].sum()
        assert ours.loc[officer, "loans"] == len(group)
        assert ours.loc[officer, "par30"] == pytest.approx(
            group.loc[group["days_past_due"] > 30, "balance"].sum() / total
        )
        assert ours.loc[officer, "npl_ratio"] == pytest.approx(
            group.loc[group["category"].isin(NPL), "balance"].sum() / total
        )
    assert ours["share"].sum() == pytest.approx(1.0)
    assert ours["default_rate_12m"].between(0, 1).all()


def test_concentration_matches_pandas(sample_con, source, perf):
    conc = portfolio.concentration(sample_con, source)
    last = perf[(perf["month"] == perf["month"].max()) & (perf["balance"] > 0)]
    total = last["balance"].sum()
    assert conc.top_share == pytest.approx(last["balance"].nlargest(10).sum() / total)
    assert len(conc.top) == 10
    hhi = conc.hhi.set_index("dimension")["hhi"]
    for dim in ("branch", "segment", "product"):
        assert hhi[dim] == pytest.approx(((last.groupby(dim)["balance"].sum() / total) ** 2).sum())


def test_dimension_trend_matches_breakdown(sample_con, source):
    trend = portfolio.dimension_trend(sample_con, source, "branch")
    last = trend[trend["month"] == trend["month"].max()].set_index("group")
    by_branch = portfolio.breakdown(sample_con, source, "branch").set_index("group")
    assert last["par30"].to_dict() == pytest.approx(by_branch["par30"].to_dict())


def test_loan_level_default_rates_match_pandas(sample_con):
    result = portfolio.loan_level(sample_con, datasets.table_context(sample_con, "sample_loans"))
    loans = sample_con.execute("SELECT * FROM sample_loans WHERE booked").df()
    assert result.summary["loans"] == len(loans)
    assert result.summary["default_rate"] == pytest.approx(loans["default_flag"].mean())
    by_segment = result.by_dimension["segment"].set_index("group")["default_rate"]
    assert by_segment.to_dict() == pytest.approx(loans.groupby("segment")["default_flag"].mean().to_dict())
    quarters = pd.to_datetime(loans["application_date"]).dt.to_period("Q").astype(str)
    ref = loans.groupby(quarters)["default_flag"].mean()
    assert result.by_cohort.set_index("cohort")["default_rate"].to_dict() == pytest.approx(ref.to_dict())
    assert "repayment_method" in result.by_dimension
    loans_only = datasets.table_context(sample_con, "sample_loans")
    assert portfolio.missing_roles(loans_only) == ["snapshot_date", "balance", "days_past_due"]
    assert portfolio.missing_roles(datasets.table_context(sample_con, "sample_performance")) == []


def test_thresholds_are_saved(con):
    assert portfolio.load_thresholds(con)["par30"] == 0.05
    portfolio.save_thresholds(con, {"par30": 0.04, "npl_ratio": 0.08})
    assert portfolio.load_thresholds(con) == {
        **portfolio.load_thresholds(store.connect(":memory:")),
        "par30": 0.04,
        "npl_ratio": 0.08,
    }
    assert portfolio.is_red("par30", 0.041, portfolio.load_thresholds(con)) and not portfolio.is_red(
        "par30", 0.04, portfolio.load_thresholds(con)
    )
    with pytest.raises(RiskLabError) as err:
        portfolio.save_thresholds(con, {"par30": 5})
    assert str(err.value) == "the threshold of par30 must be between 0% and 100%, not 5"


# --- the monthly summary: the same numbers as over loan-months -----------------------------------------------------

FILTERED = [
    portfolio.Filters(),
    portfolio.Filters(branch=("Hexi",)),
    portfolio.Filters(branch=("Hexi", "Longquan"), segment=("farm",)),
    portfolio.Filters(officer=("nobody",)),
    portfolio.Filters(start=D(2022, 1, 1), end=D(2023, 3, 1)),
]


def _same(summary_frame: pd.DataFrame, direct_frame: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        summary_frame.reset_index(drop=True), direct_frame.reset_index(drop=True), check_dtype=False, rtol=1e-9
    )


@pytest.mark.parametrize("filters", FILTERED)
def test_summary_figures_equal_the_direct_computation(sample_con, source, filters):
    now = filters.without_period()
    as_of = portfolio.months(sample_con, source, summary=False)[-4]
    for figure, kwargs in [
        (portfolio.monthly, {"filters": filters}),
        (portfolio.classification_mix, {"filters": filters}),
        (portfolio.vintages, {"filters": filters}),
        (portfolio.vintages, {"filters": filters, "by": "month", "max_mob": 12}),
        (portfolio.roll_rates, {"filters": now}),
        (portfolio.roll_rates, {"filters": now, "window": 3, "as_of": as_of}),
        (portfolio.breakdown, {"filters": now, "dimension": "officer"}),
        (portfolio.breakdown, {"filters": now, "dimension": "product", "as_of": as_of}),
        (portfolio.dimension_trend, {"filters": filters, "dimension": "branch"}),
    ]:
        direct = figure(sample_con, source, **kwargs, summary=False)
        if figure is portfolio.roll_rates and direct.empty:
            assert figure(sample_con, source, **kwargs).empty
            continue
        _same(figure(sample_con, source, **kwargs), direct)
    ours, direct = (
        portfolio.kpis(sample_con, source, now, as_of),
        portfolio.kpis(sample_con, source, now, as_of, summary=False),
    )
    assert (ours.month, ours.as_of) == (direct.month, direct.as_of) == (as_of, (as_of + pd.offsets.MonthEnd(0)).date())
    _same(ours.frame(), direct.frame())
    _same(
        portfolio.kpis(sample_con, source, now).history, portfolio.kpis(sample_con, source, now, summary=False).history
    )
    assert portfolio.months(sample_con, source) == portfolio.months(sample_con, source, summary=False)
    conc, direct = (
        portfolio.concentration(sample_con, source, now),
        portfolio.concentration(sample_con, source, now, summary=False),
    )
    _same(conc.hhi, direct.hhi)
    _same(conc.top, direct.top)


def test_concentration_lists_the_largest_loans_or_borrowers_of_the_month(sample_con, source, perf):
    filters, as_of = portfolio.Filters(branch=("Hexi",), segment=("farm",)), D(2022, 6, 1)
    now = perf[(perf["month"] == pd.Period(as_of, "M")) & (perf["branch"] == "Hexi") & (perf["segment"] == "farm")]
    now = now[now["balance"] > 0]
    expected = now.sort_values(["balance", "loan_id"], ascending=[False, True]).head(10)
    ours = portfolio.concentration(sample_con, source, filters, as_of)
    assert source.col("borrower_id") is None and not ours.by_borrower and len(ours.top) == 10
    assert ours.top["borrower"].tolist() == expected["loan_id"].tolist()
    np.testing.assert_allclose(ours.top["share"], expected["balance"] / now["balance"].sum(), rtol=1e-12)
    if "perf_borrowers" not in store.user_tables(sample_con):  # borrowers with several loans
        sample_con.execute(
            "CREATE TABLE perf_borrowers AS SELECT *, 'B' || (hash(loan_id) % 700) AS borrower_id "
            "FROM sample_performance"
        )
    by_borrower = _resolve(sample_con, "perf_borrowers")
    ours = portfolio.concentration(sample_con, by_borrower, filters, as_of)
    frame = sample_con.execute("SELECT loan_id, borrower_id FROM perf_borrowers").df().drop_duplicates()
    grouped = now.merge(frame, on="loan_id").groupby("borrower_id")["balance"].agg(["sum", "count"]).reset_index()
    grouped = grouped.sort_values(["sum", "borrower_id"], ascending=[False, True]).head(10)
    assert ours.by_borrower and ours.top["loans"].max() > 1
    assert ours.top["borrower"].tolist() == grouped["borrower_id"].tolist()
    assert ours.top["loans"].tolist() == grouped["count"].tolist()
    np.testing.assert_allclose(ours.top["outstanding"], grouped["sum"], rtol=1e-12)
    _same(ours.hhi, portfolio.concentration(sample_con, by_borrower, filters, as_of, summary=False).hhi)


def test_summary_built_in_parts_gives_the_same_figures(sample_con, monkeypatch):
    monkeypatch.setattr(_summary, "ROWS_PER_PART", 9_000)  # the sample's loan-months in several parts
    if "perf_parts" not in store.user_tables(sample_con):
        sample_con.execute("CREATE TABLE perf_parts AS SELECT * FROM sample_performance")
    source = _resolve(sample_con, "perf_parts")
    built = portfolio.ensure(sample_con, source)
    assert built and sample_con.execute(
        f"SELECT count(*) > count(DISTINCT (month, dim_branch, dim_officer)) FROM {built.name('month')}"
    ).fetchall() == [(True,)]
    filters = portfolio.Filters(branch=("Hexi", "Longquan"), segment=("farm",))
    figures = [
        (portfolio.monthly, {}),
        (portfolio.vintages, {}),
        (portfolio.roll_rates, {}),
        (portfolio.classification_mix, {}),
        (portfolio.breakdown, {"dimension": "product"}),
        (portfolio.dimension_trend, {"dimension": "officer"}),
    ]
    for figure, kwargs in figures:
        for chosen in (portfolio.Filters(), filters):
            _same(
                figure(sample_con, source, filters=chosen, **kwargs),
                figure(sample_con, source, filters=chosen, **kwargs, summary=False),
            )
    conc, direct = (
        portfolio.concentration(sample_con, source, filters),
        portfolio.concentration(sample_con, source, filters, summary=False),
    )
    _same(conc.top, direct.top)
    _same(conc.hhi, direct.hhi)
    assert portfolio.source_filter_options(sample_con, source) == portfolio.source_filter_options(
        sample_con, source, summary=False
    )


def test_summary_with_one_filter_dimension_and_missing_values(con):
    _tiny(con, drop=["officer"])
    con.execute("UPDATE tiny SET branch = NULL WHERE loan_id = 'C'")  # a missing branch is a value of its own
    source = _resolve(con, "tiny")
    assert portfolio.ensure(con, source)
    for figure in (portfolio.monthly, portfolio.vintages, portfolio.roll_rates, portfolio.classification_mix):
        _same(figure(con, source), figure(con, source, summary=False))
    _same(
        portfolio.breakdown(con, source, dimension="branch"),
        portfolio.breakdown(con, source, dimension="branch", summary=False),
    )


# Loans whose moves a full build takes from their facts (current every month but perhaps the last) and the others:
# (loan, months as (yyyy-mm, balance, days past due, status, write-off amount)).
EDGE_LOANS = [
    ("gone", [("2024-01", 100, 0, "current", 0), ("2024-02", 90, 0, "current", 0), ("2024-03", 80, 0, "current", 0)]),
    ("repaid", [("2024-01", 50, 0, "current", 0), ("2024-02", 40, 0, "current", 0), ("2024-03", 0, 0, "paid_off", 0)]),
    ("paid_owing", [("2024-02", 70, 0, "current", 0), ("2024-03", 30, 40, "paid_off", 0)]),
    (
        "late_last",
        [("2024-02", 60, 0, "current", 0), ("2024-03", 60, 0, "current", 0), ("2024-04", 60, 20, "overdue", 0)],
    ),
    ("written", [("2024-01", 45, 0, "current", 0), ("2024-02", 0, 200, "written_off", 45)]),
    ("written_owing", [("2024-03", 45, 0, "current", 0), ("2024-04", 45, 200, "written_off", 45)]),
    ("one_row", [("2024-02", 500, 0, "current", 0)]),
    ("one_repaid", [("2024-03", 0, 0, "paid_off", 0)]),
    ("one_late", [("2024-04", 80, 70, "overdue", 0)]),
    ("gap", [("2024-01", 300, 0, "current", 0), ("2024-03", 280, 0, "current", 0), ("2024-04", 260, 0, "current", 0)]),
    (
        "cured",
        [
            ("2024-01", 200, 0, "current", 0),
            ("2024-02", 200, 35, "overdue", 0),
            ("2024-03", 190, 0, "current", 0),
            ("2024-04", 180, 0, "current", 0),
        ],
    ),
    ("zero", [("2024-01", 20, 0, "current", 0), ("2024-02", 0, 0, "current", 0), ("2024-03", 10, 0, "current", 0)]),
    ("long", [("2011-06", 900, 0, "current", 0), ("2024-04", 900, 0, "current", 0)]),
    ("newest", [("2024-05", 10, 0, "current", 0)]),  # so that April's moves count
]


def _edges(con, table: str, twice: str | None = None, long: bool = False) -> str:
    """The edge loans as a performance table; ``twice``: that loan has its first month twice; ``long``: with the
    loan that spans too many months for its facts to tell whether it has one row a month."""
    rows = [
        (loan, f"{month}-28", float(balance), dpd, status, float(write_off), "North" if i % 2 else "South")
        for i, (loan, months) in enumerate(EDGE_LOANS)
        if long or loan != "long"
        for month, balance, dpd, status, write_off in months
    ]
    if twice:
        rows += [r for r in rows if r[0] == twice][:1]
    frame = pd.DataFrame(
        rows, columns=["loan_id", "snapshot_date", "balance", "days_past_due", "status", "write_off_amount", "branch"]
    )
    con.register("_edges_src", frame)
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT * REPLACE (CAST(snapshot_date AS DATE) AS snapshot_date) "
        "FROM _edges_src"
    )
    con.unregister("_edges_src")
    return table


@pytest.mark.parametrize(
    ("twice", "long", "in_parts"),
    [
        (None, False, False),
        (None, True, False),
        ("gone", False, False),
        ("cured", True, False),
        (None, False, True),
        ("gone", False, True),
    ],
)
def test_the_build_takes_steady_loans_moves_from_their_facts(con, monkeypatch, twice, long, in_parts):
    """The moves of loans current every month but perhaps the last come from their facts, the others' from a
    window: every month's roll rates, the monthly figures and vintages equal the direct computation. An import's
    build also finds out whether loans have one row a month (in parts: each part of its own loans), and remembers
    it (a loan twice in a month: no)."""
    if in_parts:
        monkeypatch.setattr(_summary, "ROWS_PER_PART", 7)  # 30-33 rows: five parts
    table = _edges(con, "edges", twice, long)
    portfolio.summarise_import(con, table, None)
    fact = _query.one_row_fact(_query.Query(_resolve(con, table)))
    assert store.recall(con, table, fact) is (twice is None)
    source = _resolve(con, table)
    assert source.one_row_per_month is (twice is None) and portfolio.find(con, source)
    for month in portfolio.months(con, source, summary=False)[1:]:
        _same(
            portfolio.roll_rates(con, source, window=1, as_of=month),
            portfolio.roll_rates(con, source, window=1, as_of=month, summary=False),
        )
    _same(portfolio.roll_rates(con, source, window=200), portfolio.roll_rates(con, source, window=200, summary=False))
    for figure in (portfolio.monthly, portfolio.vintages):
        _same(figure(con, source), figure(con, source, summary=False))


def test_a_build_stopped_early_does_not_vouch_for_rows_it_did_not_check(con, monkeypatch):
    """Loans that change branch stop a build in parts at its first part: whether the loans of the parts never read
    have one row a month stays unknown (not remembered as yes), and ``resolve`` then checks with a scan."""
    monkeypatch.setattr(_summary, "ROWS_PER_PART", 7)
    table = _edges(con, "edges", twice="cured")
    con.execute("UPDATE edges SET branch = branch || month(snapshot_date)")  # every loan changes branch
    portfolio.summarise_import(con, table, None)
    unchecked = portfolio.resolve(con, datasets.table_context(con, table), check_rows=False)
    fact = _query.one_row_fact(_query.Query(unchecked))
    assert store.recall(con, table, fact) in (None, False)
    assert _resolve(con, table).one_row_per_month is False


def test_two_combinations_sharing_a_hash_mean_direct_figures(sample_con, monkeypatch):
    monkeypatch.setattr(_summary, "_combos_apart", lambda *a: False)  # as if two combinations shared a hash
    if "perf_collide" not in store.user_tables(sample_con):
        sample_con.execute("CREATE TABLE perf_collide AS SELECT * FROM sample_performance")
    source = _resolve(sample_con, "perf_collide")
    assert portfolio.ensure(sample_con, source) is None and portfolio.find(sample_con, source) is False
    for chosen in (portfolio.Filters(), portfolio.Filters(branch=("Hexi", "Longquan"), segment=("farm",))):
        _same(
            portfolio.roll_rates(sample_con, source, chosen),
            portfolio.roll_rates(sample_con, source, chosen, summary=False),
        )


def test_summary_is_built_once_per_version_and_dropped_when_stale(con):
    source = _resolve(con, _tiny(con))
    assert not portfolio.summary_ready(con, source)
    portfolio.prepare_summary(con, source)
    assert portfolio.summary_ready(con, source)
    built = portfolio.find(con, source)
    assert built  # three (branch, officer) pairs in each of three months
    assert con.execute(f"SELECT count(*) FROM {built.name('month')}").fetchall()[0][0] == 3 * 3
    assert portfolio.source_filter_options(con, source) == portfolio.source_filter_options(con, source, summary=False)
    _tiny(con, drop=["officer"])  # a new version of the table
    changed = _resolve(con, "tiny")
    assert not portfolio.summary_ready(con, changed)
    assert portfolio.kpis(con, changed).get("npl_ratio").value == pytest.approx(0.7)
    keys = con.execute(f"SELECT key FROM {_summary.REGISTRY} WHERE table_name = 'tiny'").fetchall()
    assert keys == [(portfolio.summary_key(con, changed),)]  # the old version's tables are gone
    assert con.execute(f"SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '%{built.key}%'").fetchall() == [
        (0,)
    ]


def test_a_loan_that_changes_branch_is_computed_directly(con):
    _tiny(con)
    con.execute("UPDATE tiny SET branch = 'South' WHERE loan_id = 'A' AND snapshot_date = DATE '2024-03-31'")
    con.execute(
        "INSERT INTO tiny SELECT 'F', snapshot_date, 1, 0, 'normal', 'current', 0, origination_date, "
        "'North', 'Ann' FROM tiny WHERE loan_id = 'A'"
    )
    source = _resolve(con, "tiny")
    north = portfolio.Filters(branch=("North",))
    result = portfolio.kpis(con, source, north)
    assert portfolio.find(con, source) is False  # built, found unusable: the figures read loan-months
    assert result.get("outstanding").value == 201  # B 200 and F 1: A is in the South branch in March
    _same(result.frame(), portfolio.kpis(con, source, north, summary=False).frame())


def test_read_only_database_computes_directly(tmp_path):
    path = tmp_path / "ro.duckdb"
    writer = store.connect(path)
    _tiny(writer)
    writer.close()
    reader = store.connect(path, read_only=True)
    source = _resolve(reader, "tiny")
    assert portfolio.summary_ready(reader, source)  # nothing to prepare: nowhere to store it
    assert portfolio.kpis(reader, source).get("npl_ratio").value == pytest.approx(0.7)
    assert portfolio.vintages(reader, source).equals(portfolio.vintages(reader, source, summary=False))
    reader.close()


# --- bad input ----------------------------------------------------------------------------------------------------


def test_missing_role_is_a_clear_error(con):
    con.execute("CREATE TABLE loans AS SELECT 'A' AS loan_id, 100.0 AS balance, 0 AS days_past_due")
    with pytest.raises(RiskLabError) as err:
        _resolve(con, "loans")
    assert str(err.value) == (
        "table 'loans' has no snapshot_date column: assign that role on the Data page "
        "(or pass --role snapshot_date=COLUMN on the command line)"
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda con, s: portfolio.kpis(con, s, as_of="2023-01-31"),
            "table 'tiny' has no snapshot in the month of 2023-01-31: snapshots run from 2024-01 to 2024-03",
        ),
        (lambda con, s: portfolio.kpis(con, s, as_of="31/01/2024"), "'31/01/2024' is not a date: use YYYY-MM-DD"),
        (lambda con, s: portfolio.vintages(con, s, by="year"), "'year' is not a cohort: use quarter or month"),
        (
            lambda con, s: portfolio.roll_rates(con, s, window=0),
            "the window must be a whole number of months, 1 or more, not 0",
        ),
        (lambda con, s: portfolio.breakdown(con, s, "segment"), "table 'tiny' has no segment column"),
        (
            lambda con, s: _resolve(con, "tiny", {"colour": "branch"}),
            "'colour' is not a role the portfolio figures use: choose one of " + ", ".join(portfolio.CLI_ROLES),
        ),
        (
            lambda con, s: _resolve(con, "tiny", {"balance": "branch"}),
            "the balance column 'branch' must hold numbers, but its type is VARCHAR",
        ),
        (lambda con, s: _resolve(con, "tiny", {"balance": "nope"}), "table 'tiny' has no column 'nope'"),
    ],
)
def test_bad_input_messages(con, call, message):
    source = _resolve(con, _tiny(con))
    with pytest.raises(RiskLabError) as err:
        call(con, source)
    assert str(err.value) == message


def test_roll_rates_need_days_past_due(con):
    source = _resolve(con, _tiny(con, drop=["days_past_due"]))
    assert portfolio.kpis(con, source).get("par30").value is None
    assert portfolio.kpis(con, source).get("npl_ratio").value == pytest.approx(0.7)
    with pytest.raises(RiskLabError) as err:
        portfolio.roll_rates(con, source)
    assert str(err.value) == "table 'tiny' has no days-past-due column: PAR and roll rates need one"


# --- command line -------------------------------------------------------------------------------------------------


@pytest.fixture
def tiny_db(tmp_path):
    path = tmp_path / "tiny.duckdb"
    con = store.connect(path)
    _tiny(con)
    con.execute(
        "CREATE TABLE renamed AS SELECT loan_id AS contract, snapshot_date AS d, balance AS amt_left, "
        "days_past_due, classification, branch FROM tiny"
    )
    con.close()
    return path


def test_cli_portfolio_prints_the_contract(tiny_db):
    result = cli("portfolio", "--table", "tiny", db=tiny_db)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"as_of", "loans", "outstanding", "par30", "par90", "npl_ratio"} <= set(report)
    assert report["as_of"] == "2024-03-31" and report["loans"] == 4 and report["outstanding"] == 1000
    assert report["par30"] == pytest.approx(0.5) and report["par90"] == pytest.approx(0.3)
    assert report["npl_ratio"] == pytest.approx(0.7)
    february = json.loads(cli("portfolio", "--table", "tiny", "--as-of", "2024-02-29", db=tiny_db).stdout)
    assert february["as_of"] == "2024-02-29" and february["loans"] == 4
    assert february["par30"] == pytest.approx(350 / 660) and february["npl_ratio"] == pytest.approx(50 / 660)


def test_cli_portfolio_role_overrides(tiny_db):
    args = ["--role", "loan_id=contract", "--role", "snapshot_date=d", "--role", "balance=amt_left"]
    result = cli("portfolio", "--table", "renamed", *args, db=tiny_db)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["npl_ratio"] == pytest.approx(0.7)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--table", "renamed"], "error: table 'renamed' has no loan_id column"),
        (
            ["--table", "tiny", "--as-of", "2020-01-01"],
            "error: table 'tiny' has no snapshot in the month of 2020-01-01",
        ),
        (["--table", "tiny", "--as-of", "yesterday"], "error: 'yesterday' is not a date"),
        (
            ["--table", "tiny", "--role", "balance"],
            "error: --role takes ROLE=COLUMN (e.g. balance=outstanding), not 'balance'",
        ),
        (["--table", "nope"], "error: there is no table named 'nope'"),
    ],
)
def test_cli_portfolio_errors(tiny_db, args, message):
    result = cli("portfolio", *args, db=tiny_db)
    assert result.returncode == 1
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""


def test_tile_formats():
    assert portfolio.format_value(2_731_618_851.26, "amount") == "2.73 B"
    assert portfolio.format_value(2_731_618_851.26, "amount", "zh") == "27.32 亿"
    assert portfolio.format_value(186_588_763, "amount", "zh") == "1.87 亿"
    assert portfolio.format_value(950, "amount") == "950"
    assert portfolio.format_value(0.04417, "ratio") == "4.42%" and portfolio.format_value(None, "ratio") == "-"
    assert portfolio.format_value(11795, "count") == "11,795"
    assert portfolio.format_change(-39_060_572.7, "amount") == "-39.06 M"
    assert portfolio.format_change(1312, "count") == "+1,312"
    assert portfolio.format_change(0.0017853, "ratio") == "+0.18 pp"
    assert portfolio.format_change(0.0017853, "ratio", lambda pp: f"{pp:+.1f} 个百分点") == "+0.2 个百分点"
    assert portfolio.format_change(None, "ratio") is None


def test_exports(con):
    import io

    import openpyxl

    source = _resolve(con, _tiny(con))
    frames = {
        "kpis": portfolio.kpis(con, source).frame(),
        "by branch/officer": portfolio.breakdown(con, source, "branch"),
    }
    book = openpyxl.load_workbook(io.BytesIO(portfolio.excel_workbook(frames)))
    assert book.sheetnames == ["kpis", "by branch_officer"]
    assert book["kpis"]["A2"].value == "Loans outstanding" and book["kpis"]["B2"].value == 4  # the KPI by its name


@pytest.mark.parametrize(
    ("lang", "month", "loans", "par30"),
    [("en", "Month", "Loans outstanding", "PAR30"), ("zh", "月份", "在贷笔数", "PAR30（逾期30天以上）")],
)
def test_excel_workbook_writes_the_registry_formats(con, lang, month, loans, par30):
    """Headers in the user's words, numbers in their kind's Excel format, widths that fit, a frozen header."""
    import io
    import unicodedata

    import openpyxl

    from analytics import core

    source = _resolve(con, _tiny(con))
    kpis = portfolio.kpis(con, source)
    trend = portfolio.monthly(con, source)
    pivot = pd.DataFrame({"cohort": ["2024Q1"], "0": [0.25], "1": [0.5]})
    sheets = {"kpis": kpis.frame(), "monthly": trend, "vintage": pivot}
    kinds = {"vintage": {"cohort": "text", "0": "share", "1": "share"}}
    book = openpyxl.load_workbook(io.BytesIO(portfolio.excel_workbook(sheets, lang, kinds)))

    monthly = book["monthly"]
    headers = [cell.value for cell in monthly[1]]
    assert headers == [core.column_label(c, lang) for c in trend.columns] and headers[0] == month
    assert monthly.freeze_panes == "A2" and monthly["A1"].font.b
    columns = {key: index + 1 for index, key in enumerate(trend.columns)}
    last = len(trend) + 1
    assert monthly.cell(row=last, column=columns["par30"]).number_format == "0.00%"
    assert monthly.cell(row=last, column=columns["par30"]).value == pytest.approx(trend["par30"].iloc[-1])
    assert monthly.cell(row=last, column=columns["outstanding"]).number_format == "#,##0"
    assert monthly.cell(row=last, column=columns["loans"]).number_format == "#,##0"
    assert monthly.cell(row=2, column=columns["month"]).number_format == "yyyy-mm"

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    for index, header in enumerate(headers, start=1):  # no header is cut
        letter = openpyxl.utils.get_column_letter(index)
        assert monthly.column_dimensions[letter].width >= width(header)

    sheet = book["kpis"]  # one KPI a row, by its name, in its own format
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert rows[loans][1].value == kpis.get("loans").value and rows[loans][1].number_format == "#,##0"
    assert rows[par30][1].value == pytest.approx(kpis.get("par30").value) and rows[par30][1].number_format == "0.00%"
    assert sheet.column_dimensions["A"].width >= max(width(name) for name in rows)

    vintage = book["vintage"]  # kinds given for pivoted columns the registry does not know
    assert [cell.number_format for cell in vintage[2]] == ["@", "0.00%", "0.00%"]
    assert [cell.value for cell in vintage[2]] == ["2024Q1", 0.25, 0.5]


def test_chart_builders_get_aggregates_only(sample_con, source):
    from analytics import charts
    from analytics.core import t

    figures = [
        charts.ratio_trend(portfolio.monthly(sample_con, source), t),
        charts.class_mix(portfolio.classification_mix(sample_con, source), t),
        charts.vintage_curves(portfolio.vintages(sample_con, source, by="month"), "ever30_rate", t),
        charts.roll_rate_heatmap(portfolio.roll_rates(sample_con, source), portfolio.ROLL_STATES, t),
        charts.breakdown_bars(portfolio.breakdown(sample_con, source, "officer"), "officer", "npl_ratio", t),
        charts.dimension_heatmap(portfolio.dimension_trend(sample_con, source, "officer"), "officer", "par30", t),
    ]
    for figure in figures:
        spec = figure.to_dict()
        rows = sum(len(v) for v in spec.get("datasets", {}).values())
        assert 0 < rows <= charts.MAX_ROWS
    with pytest.raises(ValueError, match="aggregated"):
        charts.sorted_bars(
            pd.DataFrame({"v": range(6000), "x": 1.0}), category="v", value="x", category_title="", value_title=""
        )


def test_as_of_an_earlier_month(con):
    source = _resolve(con, _tiny(con))
    rates = portfolio.roll_rates(con, source, window=1, as_of=D(2024, 2, 29))
    moves = {(r.from_state, r.to_state): r.balance for r in rates.itertuples()}
    assert moves == {("current", "current"): 120, ("current", "dpd_1_30"): 200, ("dpd_91_180", "dpd_91_180"): 50}
    conc = portfolio.concentration(con, source, as_of=D(2024, 2, 1))
    assert list(conc.top["borrower"]) == ["C", "B", "A", "E"] and conc.top_share == pytest.approx(1.0)
    by_branch = portfolio.breakdown(con, source, "branch", as_of=D(2024, 2, 1)).set_index("group")
    assert by_branch.loc["South", "outstanding"] == 350 and by_branch.loc["South", "npl_ratio"] == pytest.approx(
        50 / 350
    )
    kpis = portfolio.kpis(con, source, as_of="2024-02")
    assert list(kpis.history["month"]) == [D(2024, 1, 1), D(2024, 2, 1)]
