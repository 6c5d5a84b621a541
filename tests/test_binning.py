"""Binning: quantile, optimal monotonic and manual bins; WOE/IV pinned against pandas computed by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analytics import datasets, factors, store
from analytics.core import RiskLabError
from analytics.factors import MISSING, OTHER, BinSpec, Population, _binning
from tests.conftest import PROJECT

N = 6000


def _loans_frame(seed: int = 1, n: int = N) -> pd.DataFrame:
    """Loans with a rising-risk numeric factor (some NULL and NaN), a falling one, a categorical one, noise."""
    rng = np.random.default_rng(seed)
    x_up = rng.normal(size=n)
    x_down = rng.uniform(0, 100, n).round(1)
    levels = np.array(["A", "B", "C", "D", "E", "F"])
    level = levels[rng.choice(6, n, p=[0.3, 0.25, 0.2, 0.15, 0.09, 0.01])]
    lp = (
        -2.2
        + 0.8 * x_up
        - 0.01 * (x_down - 50)
        + np.select([level == "A", level == "D", level == "E"], [-0.5, 0.4, 0.8])
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-lp))).astype(float)
    frame = pd.DataFrame(
        {
            "loan_id": [f"L{i:05d}" for i in range(n)],
            "x_up": x_up,
            "x_down": x_down,
            "grade": level.astype(object),
            "noise": rng.normal(size=n),
            "origination": pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D"),
            "booked": rng.random(n) < 0.9,
            "bad": y,
        }
    )
    frame.loc[rng.random(n) < 0.04, "x_up"] = np.nan  # becomes NULL
    frame.loc[rng.random(n) < 0.03, "grade"] = None
    frame.loc[~frame["booked"], "bad"] = np.nan  # no outcome for loans never granted
    return frame


def _load(con, frame: pd.DataFrame, table: str = "loans", nan_column: str | None = None) -> None:
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    con.register("_src", arrow)
    con.execute(f"CREATE TABLE {store.quote_ident(table)} AS SELECT * FROM _src")
    con.unregister("_src")
    if nan_column:  # a real NaN (not NULL) in a DOUBLE column must count as missing too
        con.execute(f"UPDATE {table} SET {nan_column} = 'NaN'::DOUBLE WHERE loan_id IN ('L00000', 'L00001')")


@pytest.fixture
def loans(con):
    frame = _loans_frame()
    _load(con, frame, nan_column="x_up")
    frame.loc[frame["loan_id"].isin(["L00000", "L00001"]), "x_up"] = np.nan
    pop = Population(
        datasets.table_context(con, "loans"), datasets.DefaultDefinition("flag", "bad", values=(1,)), "booked"
    )
    analysed = frame[frame["booked"]].reset_index(drop=True)
    return con, pop, analysed


def _by_hand(x: pd.Series, y: pd.Series, codes: pd.Series) -> pd.DataFrame:
    """count, goods, bads, WOE = ln(%good/%bad) and IV per bin code, with pandas only."""
    frame = pd.DataFrame({"bin": codes, "bad": y})
    table = frame.groupby("bin")["bad"].agg(count="size", bads="sum")
    table["goods"] = table["count"] - table["bads"]
    share_good = table["goods"] / table["goods"].sum()
    share_bad = table["bads"] / table["bads"].sum()
    table["woe"] = np.log(share_good / share_bad)
    table["iv"] = (share_good - share_bad) * table["woe"]
    return table


def _numeric_codes(x: pd.Series, cuts: tuple[float, ...]) -> pd.Series:
    codes = pd.Series(np.searchsorted(np.array(cuts), x.to_numpy(), side="right"), index=x.index)
    return codes.where(x.notna(), MISSING)


def test_quantile_binning_matches_pandas_by_hand(loans):
    con, pop, rows = loans
    spec = factors.quantile_spec(con, pop, "x_up", 10)
    assert spec.method == "quantile" and spec.n == 10 and len(spec.cuts) == 9
    assert set(spec.cuts) <= set(rows["x_up"].dropna())  # cut points are observed values
    result = factors.compute_binning(con, pop, spec)
    expected = _by_hand(rows["x_up"], rows["bad"], _numeric_codes(rows["x_up"], spec.cuts))
    table = result.table.set_index("bin").loc[expected.index]
    assert table["count"].tolist() == expected["count"].tolist()
    assert table["bads"].tolist() == expected["bads"].astype(int).tolist()
    assert table["woe"].to_numpy() == pytest.approx(expected["woe"].to_numpy(), abs=1e-12)
    assert table["iv"].to_numpy() == pytest.approx(expected["iv"].to_numpy(), abs=1e-12)
    assert result.iv == pytest.approx(expected["iv"].sum(), abs=1e-12)
    assert result.total == len(rows)  # booked loans only
    shares = result.table.loc[result.table["bin"] != MISSING, "count"] / rows["x_up"].notna().sum()
    assert shares.between(0.09, 0.11).all()


def test_missing_values_get_their_own_bin_null_and_nan(loans):
    con, pop, rows = loans
    result = factors.compute_binning(con, pop, factors.quantile_spec(con, pop, "x_up", 5))
    missing = result.table[result.table["bin"] == MISSING].iloc[0]
    assert missing["label"] == "missing"
    assert missing["count"] == rows["x_up"].isna().sum() > 0
    assert result.missing_share == pytest.approx(rows["x_up"].isna().mean(), abs=1e-12)
    assert result.table["bin"].tolist()[-1] == MISSING  # listed last


def test_optimal_numeric_binning_is_monotonic_with_min_share(loans):
    con, pop, _ = loans
    for factor, rising in (("x_up", True), ("x_down", False)):
        spec = factors.optimal_spec(con, pop, factor, "numeric")
        assert spec.method == "optimal" and spec.bins >= 3
        table = factors.compute_binning(con, pop, spec).table
        inner = table[table["bin"] != MISSING]
        steps = np.diff(inner["bad_rate"].to_numpy())
        assert (steps > 0).all() if rising else (steps < 0).all()
        assert (inner["count"] / table["count"].sum() >= factors.MIN_SHARE).all()
        assert (inner["goods"] > 0).all() and (inner["bads"] > 0).all()


def test_small_bin_merges_by_hand():
    block = _binning._Block
    merged = factors.merge_small([block(500, 10, [0]), block(20, 2, [1]), block(480, 100, [2])], min_count=50)
    assert [b.members for b in merged] == [[0, 1], [2]]  # 10 % is closer to 2 % than to 20.8 %
    pure = factors.merge_small([block(500, 0, [0]), block(500, 50, [1])], min_count=50)
    assert [b.members for b in pure] == [[0, 1]]


def test_optimal_categorical_binning_orders_levels_by_bad_rate(loans):
    con, pop, _ = loans
    spec = factors.optimal_spec(con, pop, "grade", "categorical")
    table = factors.compute_binning(con, pop, spec).table
    inner = table[table["bin"] >= 0]
    assert (np.diff(inner["bad_rate"].to_numpy()) > 0).all()
    assert (inner["share"] >= factors.MIN_SHARE).all()
    assert ("F",) not in spec.groups  # the 1 % level was merged with a neighbour
    assert sorted(level for g in spec.groups for level in g) == list("ABCDEF")
    assert table.iloc[-1]["label"] == "missing"


def test_levels_binning_matches_pandas_and_unseen_levels_go_to_other(loans):
    con, pop, rows = loans
    spec = factors.levels_spec(con, pop, "grade")
    assert spec.groups == tuple((level,) for level in "ABCDEF")
    result = factors.compute_binning(con, pop, spec)
    codes = rows["grade"].map({level: i for i, level in enumerate("ABCDEF")}).fillna(MISSING).astype(int)
    expected = _by_hand(rows["grade"], rows["bad"], codes)
    assert result.table.set_index("bin").loc[expected.index, "iv"].to_numpy() == pytest.approx(
        expected["iv"].to_numpy(), abs=1e-12
    )
    partial = BinSpec("grade", "categorical", "manual", groups=(("A", "B"), ("C",)))
    table = factors.compute_binning(con, pop, partial).table
    assert table["bin"].tolist() == [0, 1, OTHER, MISSING]
    assert table["label"].tolist() == ["A, B", "C", "other", "missing"]
    assert table.loc[table["bin"] == OTHER, "count"].item() == rows["grade"].isin(list("DEF")).sum()


def test_manual_cut_points_and_merged_categories(loans):
    con, pop, rows = loans
    spec = factors.make_spec(con, pop, "x_down", "numeric", "manual", cuts_text="75, 25；50  ")
    assert spec.cuts == (25.0, 50.0, 75.0)
    assert list(spec.labels().values()) == ["< 25", "[25, 50)", "[50, 75)", ">= 75"]
    table = factors.compute_binning(con, pop, spec).table
    assert table["count"].tolist() == np.bincount(np.searchsorted([25, 50, 75], rows["x_down"], "right")).tolist()
    assignment = {"A": 1, "B": 1, "C": 2, "D": 3, "E": 3, "F": 3}
    merged = factors.make_spec(con, pop, "grade", "categorical", "manual", assignment=assignment)
    assert merged.groups == (("A", "B"), ("C",), ("D", "E", "F"))
    assert factors.compute_binning(con, pop, merged).table["count"].sum() == len(rows)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: factors.parse_cuts("0.2, 1,000x"), "'000x' is not a number"),
        (lambda: factors.parse_cuts(" , "), "enter at least one cut point, e.g. 0.2, 0.5"),
        (
            lambda: factors.spec_from_assignment("grade", {"A": 1, "B": None}),
            "level 'B' has no bin number: give every level a bin number",
        ),
    ],
)
def test_bad_manual_input_messages(call, message):
    with pytest.raises(RiskLabError) as caught:
        call()
    assert str(caught.value).startswith(message)


def test_bad_cut_text_full_message():
    with pytest.raises(RiskLabError) as caught:
        factors.parse_cuts("0.2; abc")
    assert str(caught.value) == (
        "'abc' is not a number: write cut points as numbers separated by commas, without thousands separators "
        "(e.g. 0.2, 0.5, 10000)"
    )
    assert "不是数字" in caught.value.message("zh")


def test_method_and_parameter_errors(loans):
    con, pop, _ = loans
    with pytest.raises(RiskLabError, match=r"^the quantile binning does not apply to a categorical factor$"):
        factors.make_spec(con, pop, "grade", "categorical", "quantile")
    with pytest.raises(
        RiskLabError, match=r"^the number of quantile bins must be a whole number from 2 to 50 \(got 1\)$"
    ):
        factors.quantile_spec(con, pop, "x_up", 1)
    with pytest.raises(RiskLabError, match=r"^unknown binning method 'best'$"):
        factors.make_spec(con, pop, "x_up", "numeric", "best")
    with pytest.raises(RiskLabError, match=r"^table 'loans' has no column 'nope'"):
        factors.optimal_spec(con, pop, "nope", "numeric")


def test_counts_from_prebins_equal_a_direct_scan(loans):
    con, pop, rows = loans
    pre = factors.prebins(con, pop, ["x_up"])["x_up"]
    known = rows["x_up"].dropna()
    assert not pre.exact and pre.distinct == pytest.approx(known.nunique(), rel=0.05)  # DuckDB's estimate
    assert pre.missing == rows["x_up"].isna().sum() and pre.top >= known.value_counts().max()
    coarse = factors.prebin_spec("x_up", pre)
    from_prebins = factors.binning_table(coarse, pre.counts(coarse)).table
    direct = factors.compute_binning(con, pop, coarse).table
    pd.testing.assert_frame_equal(from_prebins, direct)


def test_prebins_slice_many_values_and_start_at_observed_values(loans):
    con, pop, rows = loans
    pre = factors.prebins(con, pop, ["x_up"], max_prebins=10)["x_up"]
    assert len(pre.x) <= 12 and pre.count.sum() == rows["x_up"].notna().sum()  # 10 slices and two tails
    assert pre.x[0] == rows["x_up"].min() and (np.diff(pre.x) > 0).all()
    assert set(pre.x) <= set(rows["x_up"].dropna()) and pre.missing == rows["x_up"].isna().sum()
    starts = np.searchsorted(pre.x, rows["x_up"].dropna(), side="right") - 1
    assert np.bincount(starts, minlength=len(pre.x)).tolist() == pre.count.tolist()


def test_woe_sql_gives_each_loan_its_bin_woe(loans):
    con, pop, rows = loans
    result = factors.compute_binning(con, pop, factors.optimal_spec(con, pop, "x_up", "numeric"))
    expr, params = factors.woe_sql(result)
    values = con.execute(f"SELECT {expr} FROM loans WHERE booked ORDER BY loan_id", params).fetchnumpy()
    woe = next(iter(values.values()))
    codes = _numeric_codes(rows.sort_values("loan_id")["x_up"], result.spec.cuts)
    assert woe == pytest.approx(codes.map(result.woe_map()).to_numpy(), abs=1e-12)


def test_german_credit_checking_status_iv_matches_pandas(con):
    frame = pd.read_csv(PROJECT / "data" / "german_credit.csv")
    _load(con, frame, "german_credit")
    pop = Population(
        datasets.table_context(con, "german_credit"), datasets.DefaultDefinition("flag", "default", values=(1,))
    )
    result = factors.compute_binning(con, pop, factors.levels_spec(con, pop, "checking_status"))
    counts = pd.crosstab(frame["checking_status"], frame["default"])
    share_good, share_bad = counts[0] / counts[0].sum(), counts[1] / counts[1].sum()
    iv_by_hand = float(((share_good - share_bad) * np.log(share_good / share_bad)).sum())
    assert result.table["label"].tolist() == ["A11", "A12", "A13", "A14"]
    assert result.iv == pytest.approx(iv_by_hand, abs=1e-12)
    assert result.iv == pytest.approx(0.666012, abs=1e-6)


def test_save_load_list_and_delete_binnings(loans):
    con, pop, _ = loans
    spec = factors.optimal_spec(con, pop, "x_up", "numeric")
    assert factors.save_binning(con, "loans", spec, "  committee 2024 ") == 1
    assert factors.load_binning(con, "loans", "x_up", "committee 2024") == BinSpec(
        "x_up", "numeric", "optimal", cuts=spec.cuts, name="committee 2024"
    )
    manual = factors.manual_spec("x_up", "0")
    assert factors.save_binning(con, "loans", manual, "committee 2024") == 2  # same name: a new version, kept apart
    listed = factors.list_binnings(con, "loans")
    assert listed[["factor", "name", "version", "method"]].values.tolist() == [
        ["x_up", "committee 2024", 2, "manual"],
        ["x_up", "committee 2024", 1, "optimal"],
    ]
    assert factors.load_binning(con, "loans", "x_up", "committee 2024").cuts == (0.0,)  # the latest by default
    assert factors.load_binning(con, "loans", "x_up", "committee 2024", 1).cuts == spec.cuts  # the first is intact
    assert factors.latest_binnings(con, "loans")["x_up"].cuts == (0.0,)
    version = factors.saved_version(con, "loans")
    factors.delete_binning(con, "loans", "x_up", "committee 2024", 2)
    assert factors.list_binnings(con, "loans")["version"].tolist() == [1]
    assert factors.saved_version(con, "loans") != version
    factors.delete_binning(con, "loans", "x_up", "committee 2024")
    assert factors.list_binnings(con, "loans").empty
    with pytest.raises(RiskLabError, match=r"^there is no saved binning 'committee 2024' of x_up in table 'loans'$"):
        factors.load_binning(con, "loans", "x_up", "committee 2024")
    with pytest.raises(RiskLabError, match=r"^give the binning a name of 1 to 60 characters$"):
        factors.save_binning(con, "loans", spec, "   ")
    audit = con.execute("SELECT action FROM risklab_catalog.audit ORDER BY id").fetchall()
    assert [a for (a,) in audit] == ["save_binning", "save_binning", "delete_binning", "delete_binning"]


def test_a_database_from_before_binning_versions_opens_and_versions_on(tmp_path):
    """Binnings saved before versions existed open as version 1; the next save of that name is version 2."""
    import duckdb

    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute("CREATE SCHEMA risklab_catalog; CREATE SEQUENCE risklab_catalog.binning_id")
    old.execute(
        "CREATE TABLE risklab_catalog.binnings (id BIGINT PRIMARY KEY DEFAULT nextval('risklab_catalog.binning_id'), "
        "table_name VARCHAR NOT NULL, factor VARCHAR NOT NULL, name VARCHAR NOT NULL, method VARCHAR NOT NULL, "
        "spec JSON NOT NULL, saved_at TIMESTAMP DEFAULT current_timestamp)"
    )
    old.execute("CREATE TABLE loans AS SELECT range AS x FROM range(10)")
    spec = factors.manual_spec("x", "5")
    old.execute(
        "INSERT INTO risklab_catalog.binnings (table_name, factor, name, method, spec) VALUES (?, ?, ?, ?, ?)",
        ["loans", "x", "old cut", "manual", json.dumps(spec.to_dict())],
    )
    old.close()
    for _ in range(2):  # the migration runs on every open and changes nothing the second time
        con = store.connect(path)
        assert factors.list_binnings(con, "loans")[["name", "version"]].values.tolist()[-1] == ["old cut", 1]
        con.close()
    con = store.connect(path)
    assert factors.save_binning(con, "loans", factors.manual_spec("x", "3"), "old cut") == 2
    assert factors.load_binning(con, "loans", "x", "old cut", 1).cuts == (5.0,)
    con.close()


def test_spec_round_trips_through_json():
    spec = BinSpec("grade", "categorical", "manual", groups=(("A", "B"), ("C",)))
    assert BinSpec.from_dict(spec.to_dict()) == spec
    numeric = BinSpec("x", "numeric", "quantile", cuts=(3, 1, 2, 2), n=4)
    assert numeric.cuts == (1.0, 2.0, 3.0) and BinSpec.from_dict(numeric.to_dict()) == numeric
    assert BinSpec("amount", "numeric", "manual", cuts=(10000, 2.5)).labels() == {
        0: "< 2.5",
        1: "[2.5, 10,000)",
        2: ">= 10,000",
    }


def test_population_uses_saved_definition_and_booked_role(loans):
    con, _, rows = loans
    with pytest.raises(RiskLabError, match=r"^table 'loans' has no default definition yet: set one on the Data page"):
        factors.population(datasets.table_context(con, "loans"))
    datasets.save_roles(con, "loans", {"booked": "booked", "bad": "outcome"})
    datasets.save_definition(con, "loans", datasets.DefaultDefinition("flag", "bad", values=(1,)))
    pop = factors.population(datasets.table_context(con, "loans"))
    assert pop.booked_column == "booked"
    assert factors.outcome_summary(con, pop)["known"] == len(rows)
    assert factors.population(datasets.table_context(con, "loans"), booked_only=False).booked_column is None


@pytest.mark.parametrize(
    ("sql_type", "expression"),
    [
        ("BOOLEAN", "booked"),
        ("INTEGER", "CAST(booked AS INTEGER)"),
        ("VARCHAR", "CASE WHEN booked THEN 'Yes' ELSE 'no' END"),
        ("VARCHAR", "CASE WHEN booked THEN '是' ELSE '否' END"),
    ],
)
def test_booked_loans_whatever_the_booked_column_type(loans, sql_type, expression):
    con, _, rows = loans
    con.execute(f"CREATE TABLE typed AS SELECT * REPLACE ({expression} AS booked) FROM loans")
    datasets.save_roles(con, "typed", {"booked": "booked"})
    pop = factors.population(
        datasets.table_context(con, "typed"), datasets.DefaultDefinition("flag", "bad", values=(1,))
    )
    assert pop.booked_type == sql_type
    assert factors.compute_binning(con, pop, factors.manual_spec("x_down", "50")).total == len(rows)


def test_quantile_cut_points_of_large_populations_come_from_a_fixed_sample(loans):
    con, pop, rows = loans
    exact = factors.quantile_cuts(con, pop, ["x_down"], 4)["x_down"]
    sampled = factors.quantile_cuts(con, pop, ["x_down"], 4, max_rows=1000)["x_down"]
    assert sampled == factors.quantile_cuts(con, pop, ["x_down"], 4, max_rows=1000)["x_down"]
    assert sampled != exact and np.allclose(sampled, exact, atol=5)  # quartiles of U(0, 100)
    assert factors.sampled(con, pop, 1000).sample_every == 6 and factors.sampled(con, pop).sample_every == 1
    table = factors.compute_binning(con, pop, BinSpec("x_down", "numeric", "quantile", cuts=sampled)).table
    assert table["count"].sum() == len(rows)  # counts always cover every loan


def test_build_binning_equals_spec_then_table(loans):
    con, pop, _ = loans
    for factor, kind in (("x_up", "numeric"), ("grade", "categorical")):
        built = factors.build_binning(con, pop, factor, kind, "optimal")
        pd.testing.assert_frame_equal(built.table, factors.compute_binning(con, pop, built.spec).table)
    quantiles = factors.build_binning(con, pop, "x_up", "numeric", "quantile", n=4)
    assert quantiles.spec.n == 4 and len(quantiles.table) == 5  # four quartiles and the missing bin


def test_prebins_of_many_factors_at_once_equal_pandas_per_factor(loans):
    """Issue 19: exact factors are counted in one grouping-sets scan and many-valued ones each in a scan of its own
    column; every pre-bin's loans and bads equal pandas on the analysed loans, and each factor alone gives the
    same pre-bins as all together."""
    con, pop, rows = loans
    together = factors.prebins(con, pop, ["x_up", "x_down", "noise"], max_prebins=1500)
    assert together["x_down"].exact and not together["x_up"].exact and not together["noise"].exact
    known = rows[rows["bad"].notna()]
    by_value = known.groupby("x_down")["bad"].agg(["size", "sum"])
    pre = together["x_down"]
    assert pre.x.tolist() == by_value.index.tolist()
    assert pre.count.tolist() == by_value["size"].tolist() and pre.bads.tolist() == by_value["sum"].astype(int).tolist()
    for name in ("x_up", "noise"):
        pre = together[name]
        values = known[name].dropna()
        starts = np.searchsorted(pre.x, values, side="right") - 1
        assert set(pre.x) <= set(values) and (np.diff(pre.x) > 0).all()
        assert np.bincount(starts, minlength=len(pre.x)).tolist() == pre.count.tolist()
        bads = np.bincount(starts, weights=known.loc[values.index, "bad"], minlength=len(pre.x))
        assert bads.astype(int).tolist() == pre.bads.tolist()
        assert (pre.missing, pre.missing_bads) == (
            known[name].isna().sum(),
            int(known.loc[known[name].isna(), "bad"].sum()),
        )
    for name, pre in together.items():
        alone = factors.prebins(con, pop, [name], max_prebins=1500)[name]
        assert (alone.x.tolist(), alone.count.tolist(), alone.bads.tolist()) == (
            pre.x.tolist(),
            pre.count.tolist(),
            pre.bads.tolist(),
        )
        assert (alone.missing, alone.missing_bads, alone.exact, alone.top) == (
            pre.missing,
            pre.missing_bads,
            pre.exact,
            pre.top,
        )


def test_prebins_slice_a_factor_with_more_values_than_its_sample(loans, monkeypatch):
    """A factor with few values in the fixed sample but many over every loan is sliced from its value counts:
    the same kind of pre-bins (starting at observed values, each value whole), counted over every loan."""
    con, pop, rows = loans
    monkeypatch.setattr(_binning, "QUANTILE_SAMPLE", 300)  # a sample of about 300 loans: at most 300 values
    pre = factors.prebins(con, pop, ["x_up"], max_prebins=1000)["x_up"]
    known = rows[rows["bad"].notna()]
    values = known["x_up"].dropna()
    assert not pre.exact and pre.distinct == values.nunique() > 1000
    assert len(pre.x) <= 1002 and set(pre.x) <= set(values) and (np.diff(pre.x) > 0).all()
    starts = np.searchsorted(pre.x, values, side="right") - 1
    assert np.bincount(starts, minlength=len(pre.x)).tolist() == pre.count.tolist()
    bads = np.bincount(starts, weights=known.loc[values.index, "bad"], minlength=len(pre.x))
    assert bads.astype(int).tolist() == pre.bads.tolist()
    assert pre.missing == known["x_up"].isna().sum()
