"""The data-quality profile: statistics against pandas, warnings, leakage checks, summary."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from analytics import datasets, store
from analytics.core import Notice
from analytics.datasets import DefaultDefinition
from tests.conftest import add_table as _table

N = 40
DEFN = DefaultDefinition("flag", "default", values=(1,))


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    default = np.array([1 if i % 4 == 0 else 0 for i in range(N)])
    near = np.where(default == 1, rng.normal(3.0, 1.0, N), rng.normal(0.0, 1.0, N)).round(0)
    return pd.DataFrame(
        {
            "loan_id": [f"L{i:03d}" for i in range(N)],
            "amount": [None if i % 10 == 3 else 1000.0 + 37.5 * i for i in range(N)],
            "grade": ["A"] * 20 + ["B"] * 12 + ["C"] * 5 + ["D"] * 3,
            "const": ["x"] * N,
            "empty": pd.array([None] * N, dtype="Int64"),
            "sparse": [float(i) if i % 8 < 3 else None for i in range(N)],
            "opened": pd.date_range("2022-01-01", periods=N, freq="7D").date,
            "has_guarantor": pd.array([i % 3 == 0 for i in range(N)], dtype="boolean"),
            "recovery_amount": [float((i * 13) % 7) for i in range(N)],
            "default": default,
            "leaky_score": default * 10.0 + np.arange(N) % 3,
            "near_leak": near,
            "income": [float((i * 7919) % 101) + 5.0 * d for i, d in enumerate(default)],
            "result": ["charged off" if d else ("paid" if i % 2 else "current") for i, d in enumerate(default)],
            "reason": [None if d else f"r{i % 4}" for i, d in enumerate(default)],
            "closed_on": [
                (pd.Timestamp("2024-01-01") + pd.Timedelta(days=i)).date() if d else None for i, d in enumerate(default)
            ],
            "customer_no": [i % 7 for i in range(N)],
            "officer_id": [f"O{i % 5}" for i in range(N)],
        }
    )


ROLES = {
    "loan_id": "loan_id",
    "amount": "amount",
    "grade": "factor_categorical",
    "const": "ignore",
    "empty": "ignore",
    "sparse": "factor_numeric",
    "opened": "origination_date",
    "has_guarantor": "factor_categorical",
    "recovery_amount": "factor_numeric",
    "default": "outcome",
    "leaky_score": "factor_numeric",
    "near_leak": "factor_numeric",
    "income": "factor_numeric",
    "result": "factor_categorical",
    "reason": "factor_categorical",
    "closed_on": "ignore",
    "customer_no": "factor_numeric",
    "officer_id": "officer",
}


def _context(con, table: str, roles: dict | None = None, defn: DefaultDefinition | None = None):
    """The table's context with these roles (its own when None; unlisted columns without one) and definition."""
    ctx = datasets.table_context(con, table)
    if roles is not None:
        ctx = dataclasses.replace(ctx, roles=tuple(roles.items()))
    return dataclasses.replace(ctx, definition=defn)


def _auc(values: pd.Series, outcome: pd.Series) -> float:
    """Brute-force AUC over all (default, non-default) pairs, ties counting one half (the reference)."""
    known = values.notna()
    bad = values[known & (outcome == 1)].to_numpy()
    good = values[known & (outcome == 0)].to_numpy()
    wins = sum((b > g) + 0.5 * (b == g) for b in bad for g in good)
    auc = wins / (len(bad) * len(good))
    return max(auc, 1 - auc)


def test_statistics_match_pandas(con) -> None:
    df = _frame()
    _table(con, "loans", df)
    prof = datasets.profile_table(con, _context(con, "loans", ROLES, DEFN)).set_index("column")
    assert list(prof.reset_index().columns) == list(datasets.PROFILE_COLUMNS)
    assert list(prof.index) == list(df.columns)
    for column in df.columns:
        row = prof.loc[column]
        assert row["missing_pct"] == pytest.approx(100 * df[column].isna().mean()), column
        assert row["distinct"] == df[column].nunique(), column
        if pd.api.types.is_numeric_dtype(df[column]) and not pd.api.types.is_bool_dtype(df[column]):
            values = df[column].dropna().astype(float)
            if len(values):
                assert row["min"] == pytest.approx(values.min()), column
                assert row["max"] == pytest.approx(values.max()), column
                assert row["mean"] == pytest.approx(values.mean()), column
    assert prof.loc["opened", "min"] == "2022-01-01"
    assert prof.loc["opened", "max"] == str(df["opened"].max())
    assert math.isnan(prof.loc["opened", "mean"])
    assert prof.loc["empty", "missing_pct"] == 100.0
    assert prof.loc["amount", "missing_pct"] == 10.0
    assert prof.loc["sparse", "missing_pct"] == 62.5
    for column in ("grade", "result", "officer_id", "has_guarantor", "reason", "const"):
        counts = df[column].dropna().astype(str).str.lower() if column == "has_guarantor" else df[column].dropna()
        top = sorted(counts.value_counts().items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        assert prof.loc[column, "top_values"] == ", ".join(f"{v} ({n:,})" for v, n in top), column
    assert prof.loc["grade", "top_values"] == "A (20), B (12), C (5)"
    assert prof.loc["loan_id", "top_values"] == ""  # identifiers: no top values
    assert prof.loc["amount", "top_values"] == ""


def test_warnings(con) -> None:
    df = _frame()
    _table(con, "loans", df)
    prof = datasets.profile_table(con, _context(con, "loans", ROLES, DEFN)).set_index("column")
    keys = {column: [w.key for w in prof.loc[column, "warnings"]] for column in prof.index}
    assert keys == {
        "loan_id": [],
        "amount": [],
        "grade": [],
        "const": ["profile.constant"],
        "empty": ["profile.all_missing"],
        "sparse": ["profile.high_missing"],
        "opened": [],
        "has_guarantor": [],
        "recovery_amount": ["profile.leakage_name"],
        "default": [],
        "leaky_score": ["profile.leakage_auc"],
        "near_leak": ["profile.leakage_auc"],
        "income": [],
        "result": ["profile.leakage_level"],
        "reason": ["profile.leakage_missing"],
        "closed_on": ["profile.high_missing", "profile.leakage_present"],
        "customer_no": ["profile.id_like"],
        "officer_id": [],
    }
    outcome = df["default"]
    near = prof.loc["near_leak", "warnings"][0]
    assert near.params["auc"] == pytest.approx(_auc(df["near_leak"], outcome))
    assert 0.95 < near.params["auc"] < 1.0  # ties present; not a perfect separation
    assert prof.loc["leaky_score", "warnings"][0].params["auc"] == pytest.approx(1.0)
    assert _auc(df["income"], outcome) < datasets.LEAKAGE_AUC
    assert _auc(df["recovery_amount"], outcome) < datasets.LEAKAGE_AUC
    assert prof.loc["result", "warnings"] == (
        Notice("profile.leakage_level", column="result", level="charged off", n=10, share=0.25),
    )
    assert str(prof.loc["result", "warnings"][0]) == (
        "result = 'charged off': all 10 loans (25%) defaulted; probably recorded after the outcome"
    )
    assert str(prof.loc["reason", "warnings"][0]) == (
        "reason: all 10 loans (25%) where it is missing defaulted; probably recorded after the outcome"
    )
    assert str(prof.loc["closed_on", "warnings"][1]) == (
        "closed_on: filled in only for defaulted loans (10, 25%); probably recorded after the outcome"
    )
    assert str(prof.loc["recovery_amount", "warnings"][0]) == (
        "recovery_amount: the name (recovery) suggests it is recorded after the outcome; do not use it as a factor"
    )
    assert str(near) == (
        f"near_leak: separates defaults almost perfectly (AUC {near.params['auc']:.3f}); "
        "probably recorded after the outcome"
    )
    assert str(prof.loc["const", "warnings"][0]) == "const: constant (one distinct value), carries no information"
    assert str(prof.loc["empty", "warnings"][0]) == "empty: every value is missing"
    assert str(prof.loc["sparse", "warnings"][0]) == "sparse: 62% of values are missing"
    assert str(prof.loc["customer_no", "warnings"][0]) == (
        "customer_no: looks like an identifier (ID name or every value distinct), not a risk factor"
    )
    for notices in prof["warnings"]:
        for notice in notices:
            assert notice.message("zh") != str(notice)


def test_without_a_definition_only_name_and_shape_warnings(con) -> None:
    _table(con, "loans", _frame())
    prof = datasets.profile_table(con, _context(con, "loans", ROLES)).set_index("column")
    flagged = {c: [w.key for w in ws] for c, ws in prof["warnings"].items() if ws}
    assert flagged == {
        "const": ["profile.constant"],
        "empty": ["profile.all_missing"],
        "sparse": ["profile.high_missing"],
        "recovery_amount": ["profile.leakage_name"],
        "customer_no": ["profile.id_like"],
        "closed_on": ["profile.high_missing"],
    }


def test_id_like_by_data_and_descriptive_roles(con) -> None:
    frame = pd.DataFrame(
        {
            "ref": [f"R{i}" for i in range(30)],
            "seq": list(range(30)),
            "amount": [float(i) for i in range(30)],
            "short": [f"S{i}" for i in range(30)][:30],
        }
    )
    _table(con, "t", frame)
    marked = _context(con, "t", {"ref": "ignore", "seq": "factor_numeric"})
    prof = datasets.profile_table(con, marked).set_index("column")
    assert [w.key for w in prof.loc["ref", "warnings"]] == ["profile.id_like"]
    assert [w.key for w in prof.loc["seq", "warnings"]] == ["profile.id_like"]
    assert prof.loc["amount", "warnings"] == ()  # floats are never ID-like by data
    prof = datasets.profile_table(con, _context(con, "t", {"ref": "loan_id", "seq": "borrower_id"})).set_index("column")
    assert prof.loc["ref", "warnings"] == () and prof.loc["seq", "warnings"] == ()
    _table(con, "few", frame.head(19))
    prof = datasets.profile_table(con, _context(con, "few", {})).set_index("column")
    assert prof.loc["ref", "warnings"] == ()  # too few rows to call it an identifier


def test_current_state_is_leakage_in_loan_level_tables_only(con) -> None:
    frame = pd.DataFrame(
        {
            "loan_id": ["a", "b", "a", "b"],
            "month": ["2024-01", "2024-01", "2024-02", "2024-02"],
            "dpd": [0, 10, 0, 40],
            "current_status": ["ok", "late", "ok", "late"],
            "五级分类": ["正常", "关注", "正常", "关注"],
            "当前逾期天数": [0, 10, 0, 40],
        }
    )
    _table(con, "t", frame)
    loan_level = {
        "loan_id": "loan_id",
        "dpd": "days_past_due",
        "current_status": "factor_categorical",
        "五级分类": "classification",
        "当前逾期天数": "factor_numeric",
    }
    prof = datasets.profile_table(con, _context(con, "t", loan_level)).set_index("column")
    flagged = {c: [w.key for w in ws] for c, ws in prof["warnings"].items() if ws}
    assert flagged == {c: ["profile.leakage_status"] for c in ("dpd", "current_status", "五级分类", "当前逾期天数")}
    assert str(prof.loc["dpd", "warnings"][0]) == (
        "dpd: the loan's current state, known only after the outcome in a loan-level table; not a factor"
    )
    # the definition's own column is the outcome, not a leak
    prof = datasets.profile_table(con, _context(con, "t", loan_level, DefaultDefinition("dpd", "dpd", threshold=30)))
    assert prof.set_index("column").loc["dpd", "warnings"] == ()
    performance = {**loan_level, "month": "snapshot_date"}
    prof = datasets.profile_table(con, _context(con, "t", performance)).set_index("column")
    assert not any(prof["warnings"])


def test_roles_default_to_the_tables_roles_and_bad_definitions_are_skipped(con) -> None:
    _table(con, "loans", _frame())
    prof = datasets.profile_table(con, _context(con, "loans")).set_index("column")
    assert prof.loc["const", "warnings"] == (Notice("profile.constant", column="const"),)
    gone = DefaultDefinition("flag", "no_such_column", values=(1,))
    one_class = DefaultDefinition("dpd", "income", threshold=10_000)
    for defn in (gone, one_class):
        prof = datasets.profile_table(con, _context(con, "loans", ROLES, defn)).set_index("column")
        assert prof.loc["leaky_score", "warnings"] == ()


def test_empty_table(con) -> None:
    con.execute('CREATE TABLE empty_t (a INTEGER, "b" VARCHAR)')
    prof = datasets.profile_table(con, _context(con, "empty_t", {}, DEFN))
    assert list(prof["column"]) == ["a", "b"]
    assert prof["missing_pct"].isna().all()
    assert list(prof["distinct"]) == [0, 0]
    assert list(prof["warnings"]) == [(), ()]


class _CountingConnection:
    """Forwards to a DuckDB connection and counts the queries run."""

    def __init__(self, con) -> None:
        self.con, self.queries = con, 0

    def execute(self, *args, **kwargs):
        self.queries += 1
        return self.con.execute(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.con, name)


def test_query_count_grows_by_one_scan_per_20_columns(con) -> None:
    """Wide tables are scanned 20 columns at a time (DuckDB plans many DISTINCTs in one query in quadratic time)."""
    narrow = _frame()
    wide = pd.concat([narrow] + [narrow.drop(columns=["default"]).add_suffix(f"_{k}") for k in range(4)], axis=1)
    _table(con, "narrow", narrow)
    _table(con, "wide", wide)
    counts = []
    for table in ("narrow", "wide"):
        counting = _CountingConnection(con)
        datasets.profile_table(counting, _context(con, table, {}, DEFN))
        counts.append(counting.queries)
    scans = [-(-len(frame.columns) // store.COLUMNS_PER_SCAN) for frame in (narrow, wide)]
    assert scans[1] > scans[0]
    assert counts[0] <= 9 and counts[1] == counts[0] + scans[1] - scans[0]


def test_profile_summary(con) -> None:
    _table(con, "loans", pd.DataFrame({"id": ["a", "a", "a", "b", "b", "c", None, None], "x": range(8)}))
    assert datasets.profile_summary(con, _context(con, "loans", {"id": "loan_id"})) == {
        "rows": 8,
        "columns": 2,
        "sampled_rows": None,
        "key_columns": ["id"],
        "duplicate_keys": 3,
        "missing_keys": 2,
    }
    assert datasets.profile_summary(con, _context(con, "loans", {"id": "ignore"})) == {
        "rows": 8,
        "columns": 2,
        "sampled_rows": None,
        "key_columns": [],
        "duplicate_keys": None,
        "missing_keys": None,
    }
    assert datasets.profile_summary(con, _context(con, "loans"))["key_columns"] == ["id"]  # detected roles
    _table(
        con,
        "perf",
        pd.DataFrame(
            {"loan": ["a", "a", "b", "b", "b"], "month": ["2024-01", "2024-02", "2024-01", "2024-02", "2024-02"]}
        ),
    )
    roles = {"loan": "loan_id", "month": "snapshot_date"}
    assert datasets.profile_summary(con, _context(con, "perf", roles)) == {
        "rows": 5,
        "columns": 2,
        "sampled_rows": None,
        "key_columns": ["loan", "month"],
        "duplicate_keys": 1,
        "missing_keys": 0,
    }
