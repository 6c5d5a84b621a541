"""Column roles: the registry, detection from English and Chinese names, saving and loading."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analytics import datasets, store
from analytics.core import TEXT, RiskLabError
from tests.conftest import add_table as _table

CANONICAL = (
    "loan_id",
    "borrower_id",
    "outcome",
    "days_past_due",
    "status",
    "classification",
    "origination_date",
    "snapshot_date",
    "branch",
    "officer",
    "group",
    "segment",
    "product",
    "amount",
    "balance",
    "provision_held",
    "interest_rate",
    "term",
    "expert_decision",
    "expert_score",
    "booked",
    "factor_numeric",
    "factor_categorical",
    "ignore",
)

DETECTION = [
    # outcome
    ("违约", "INTEGER", "outcome"),
    ("是否违约", "VARCHAR", "outcome"),
    ("default", "BIGINT", "outcome"),
    ("Default", "BIGINT", "outcome"),
    ("default_flag", "INTEGER", "outcome"),
    ("bad", "INTEGER", "outcome"),
    ("is_bad", "BOOLEAN", "outcome"),
    ("target", "INTEGER", "outcome"),
    # days past due
    ("逾期天数", "INTEGER", "days_past_due"),
    ("当前逾期天数", "INTEGER", "days_past_due"),
    ("dpd", "INTEGER", "days_past_due"),
    ("max_dpd", "INTEGER", "days_past_due"),
    ("days_past_due", "INTEGER", "days_past_due"),
    ("DaysPastDue", "DOUBLE", "days_past_due"),
    # amount
    ("贷款金额", "DOUBLE", "amount"),
    ("贷款金额（元）", "DOUBLE", "amount"),
    ("金额", "DOUBLE", "amount"),
    ("amount", "DOUBLE", "amount"),
    ("loan_amnt", "DOUBLE", "amount"),
    ("Loan Amount", "DECIMAL(18,2)", "amount"),
    ("LoanAmount", "BIGINT", "amount"),
    ("credit_amount", "BIGINT", "amount"),
    # officer, branch
    ("客户经理", "VARCHAR", "officer"),
    ("信贷员", "VARCHAR", "officer"),
    ("客户经理编号", "VARCHAR", "officer"),
    ("officer", "VARCHAR", "officer"),
    ("loan_officer_id", "INTEGER", "officer"),
    ("网点", "VARCHAR", "branch"),
    ("支行", "VARCHAR", "branch"),
    ("网点名称", "VARCHAR", "branch"),
    ("branch", "VARCHAR", "branch"),
    # classification, ids
    ("五级分类", "VARCHAR", "classification"),
    ("classification", "VARCHAR", "classification"),
    ("贷款编号", "VARCHAR", "loan_id"),
    ("借据号", "VARCHAR", "loan_id"),
    ("loan_id", "BIGINT", "loan_id"),
    ("id", "BIGINT", "loan_id"),
    ("LoanNr_ChkDgt", "BIGINT", "loan_id"),
    ("客户号", "VARCHAR", "borrower_id"),
    ("borrower", "VARCHAR", "borrower_id"),
    ("borrower_id", "VARCHAR", "borrower_id"),
    # dates
    ("发放日期", "DATE", "origination_date"),
    ("放款日期", "DATE", "origination_date"),
    ("审批日期", "DATE", "origination_date"),
    ("origination_date", "DATE", "origination_date"),
    ("disbursement date", "DATE", "origination_date"),
    ("DisbursementDate", "INTEGER", "origination_date"),
    ("issue_d", "VARCHAR", "origination_date"),
    ("日期", "DATE", "snapshot_date"),
    ("月份", "VARCHAR", "snapshot_date"),
    ("统计月份", "INTEGER", "snapshot_date"),
    ("snapshot", "DATE", "snapshot_date"),
    ("snapshot_date", "DATE", "snapshot_date"),
    ("month", "VARCHAR", "snapshot_date"),
    ("as_of", "DATE", "snapshot_date"),
    ("AsOfDate", "TIMESTAMP", "snapshot_date"),
    # balance, rate, term, product, segment
    ("余额", "DOUBLE", "balance"),
    ("贷款余额", "DOUBLE", "balance"),
    ("balance", "DOUBLE", "balance"),
    ("outstanding", "DOUBLE", "balance"),
    ("利率", "DOUBLE", "interest_rate"),
    ("执行利率", "DOUBLE", "interest_rate"),
    ("interest_rate", "DOUBLE", "interest_rate"),
    ("int_rate", "DOUBLE", "interest_rate"),
    ("期限", "INTEGER", "term"),
    ("term", "INTEGER", "term"),
    ("term_months", "INTEGER", "term"),
    ("duration_months", "INTEGER", "term"),
    ("产品", "VARCHAR", "product"),
    ("贷款品种", "VARCHAR", "product"),
    ("product", "VARCHAR", "product"),
    ("客户类型", "VARCHAR", "segment"),
    ("segment", "VARCHAR", "segment"),
    # status
    ("状态", "VARCHAR", "status"),
    ("loan_status", "VARCHAR", "status"),
    ("status", "VARCHAR", "status"),
    # expert decision and score
    ("审批意见", "VARCHAR", "expert_decision"),
    ("信贷员建议", "VARCHAR", "expert_decision"),  # issue 13: read as the officer, not the expert decision
    ("信贷员", "VARCHAR", "officer"),
    ("expert_decision", "VARCHAR", "expert_decision"),
    ("recommendation", "VARCHAR", "expert_decision"),
    ("评分", "INTEGER", "expert_score"),
    ("expert_score", "DOUBLE", "expert_score"),
    ("客户经理评分", "INTEGER", "expert_score"),
    ("grade", "VARCHAR", "expert_score"),
    ("booked", "BOOLEAN", "booked"),
    # the institution's rating and other look-alikes are factors, numeric or categorical by type
    ("信用等级", "VARCHAR", "factor_categorical"),
    ("机构信用评级", "VARCHAR", "factor_categorical"),
    ("credit_rating", "INTEGER", "factor_numeric"),
    ("利率上浮", "DOUBLE", "factor_numeric"),
    ("interest_rate_increase", "VARCHAR", "factor_categorical"),
    ("逾期次数", "INTEGER", "factor_numeric"),
    ("prior_overdue_count", "INTEGER", "factor_numeric"),
    ("checking_status", "VARCHAR", "factor_categorical"),
    ("installment_rate", "INTEGER", "factor_numeric"),
    # unmatched: by type
    ("annual_income", "DOUBLE", "factor_numeric"),
    ("education", "VARCHAR", "factor_categorical"),
    ("has_guarantor", "BOOLEAN", "factor_categorical"),
    ("application_ts", "TIMESTAMP", "ignore"),
    ("tags", "VARCHAR[]", "ignore"),
    # a name that fits a role but a type that does not
    ("逾期天数", "VARCHAR", "factor_categorical"),
    ("default_date", "DATE", "ignore"),
    # ignore: free text, names, post-outcome amounts, maturity dates
    ("备注", "VARCHAR", "ignore"),
    ("客户名称", "VARCHAR", "ignore"),
    ("remarks", "VARCHAR", "ignore"),
    ("违约金额", "DOUBLE", "ignore"),
    ("到期日期", "DATE", "ignore"),
    ("write_off_amount", "DOUBLE", "ignore"),
    # provisions actually held
    ("loan_loss_provision", "DOUBLE", "provision_held"),
    ("贷款损失准备", "DOUBLE", "provision_held"),
    ("拨备余额", "DOUBLE", "provision_held"),
]


def test_registry_has_the_canonical_keys_in_order_with_labels() -> None:
    assert tuple(r.key for r in datasets.ROLES) == CANONICAL
    assert datasets.ROLE_KEYS == CANONICAL
    for r in datasets.ROLES:
        assert r.label_key == f"role.{r.key}"
        assert TEXT[r.label_key]["en"] and TEXT[r.label_key]["zh"]
        assert r.kind in ("numeric", "text", "date", "any")


@pytest.mark.parametrize(("name", "duckdb_type", "expected"), DETECTION)
def test_detect_one_column(name: str, duckdb_type: str, expected: str) -> None:
    assert datasets.detect_roles([(name, duckdb_type)]) == {name: expected}


def test_detect_roles_keeps_column_order() -> None:
    columns = [(n, ty) for n, ty, _ in DETECTION[:12]]
    assert list(datasets.detect_roles(columns)) == [n for n, _ in columns]


@pytest.mark.parametrize(
    ("name", "norm", "tokens"),
    [
        ("Loan_Amnt", "loanamnt", ["loan", "amnt"]),
        ("DaysPastDue", "dayspastdue", ["days", "past", "due"]),
        ("MIS_Status", "misstatus", ["mis", "status"]),
        ("dpd30", "dpd30", ["dpd", "30"]),
        ("贷款 金额", "贷款金额", ["贷款", "金额"]),
    ],
)
def test_name_normalisation(name: str, norm: str, tokens: list[str]) -> None:
    assert datasets.normalise_name(name) == norm
    assert datasets.name_tokens(name) == tokens


def test_match_score_prefers_whole_names_and_longer_patterns() -> None:
    assert datasets.match_score("日期", ("=日期",)) == (1002, "=日期")
    assert datasets.match_score("发放日期", ("=日期",)) == (0, None)
    assert datasets.match_score("max_days_past_due", ("dpd", "days past due")) == (11, "days past due")
    assert datasets.match_score("determined", ("term",)) == (0, None)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("id", True),
        ("loan_id", True),
        ("LoanNr", True),
        ("customer_no", True),
        ("贷款编号", True),
        ("序号", True),
        ("NoEmp", False),
        ("idle_days", False),
        ("amount", False),
    ],
)
def test_looks_like_id_name(name: str, expected: bool) -> None:
    assert datasets.looks_like_id_name(name) is expected


@pytest.mark.parametrize(
    ("duckdb_type", "cls"),
    [
        ("INTEGER", "integer"),
        ("HUGEINT", "integer"),
        ("DOUBLE", "float"),
        ("DECIMAL(18,2)", "float"),
        ("VARCHAR", "text"),
        ("BOOLEAN", "boolean"),
        ("DATE", "date"),
        ("TIMESTAMP WITH TIME ZONE", "date"),
        ("INTEGER[]", "other"),
    ],
)
def test_type_class(duckdb_type: str, cls: str) -> None:
    assert datasets.type_class(duckdb_type) == cls


def _loans(con) -> None:
    n = 30
    _table(
        con,
        "loans",
        pd.DataFrame(
            {
                "贷款编号": [f"L{i:03d}" for i in range(n)],
                "违约": [i % 3 == 0 for i in range(n)],
                "贷款金额": [1000.0 + 10 * i for i in range(n)],
                "ref_code": [f"R{i}" for i in range(n)],  # unmatched text, all distinct -> ignore
                "region": ["north"] * n,  # constant -> ignore
                "notes": [f"note {i % 25}" for i in range(n)],  # free text: 25 levels in 30 rows -> ignore
                "grade_level": ["A", "B", "C"] * 10,  # -> factor_categorical
                "serial_no": list(range(n)),  # integer, all distinct, ID name -> ignore
                "income": [5000 + 7 * i for i in range(n)],  # integer, all distinct, not an ID name -> factor
                "empty_col": pd.array([None] * n, dtype="Int64"),  # all missing -> ignore
            }
        ),
    )


def test_detect_roles_for_table_uses_distinct_counts(con) -> None:
    _loans(con)
    assert datasets.detect_roles_for_table(con, "loans") == {
        "贷款编号": "loan_id",
        "违约": "outcome",
        "贷款金额": "amount",
        "ref_code": "ignore",
        "region": "ignore",
        "notes": "ignore",
        "grade_level": "factor_categorical",
        "serial_no": "ignore",
        "income": "factor_numeric",
        "empty_col": "ignore",
    }
    assert datasets.detect_roles_for_table(con, "loans", ["income", "notes", "no_such"]) == {
        "income": "factor_numeric",
        "notes": "ignore",
    }
    n, counts = datasets.column_counts(con, "loans", ["notes", "empty_col"])
    assert n == 30
    assert counts == {"notes": (30, 25), "empty_col": (0, 0)}


def test_table_roles_are_detected_until_saved(con) -> None:
    _loans(con)
    assert datasets.saved_roles(con, "loans") == {}
    detected = datasets.table_roles(con, "loans")
    assert detected == datasets.detect_roles_for_table(con, "loans")
    assert list(detected) == [c for c, _ in store.table_columns(con, "loans")]


def test_save_roles_replaces_and_new_columns_get_detected(con) -> None:
    _loans(con)
    datasets.save_roles(con, "loans", {"贷款编号": "loan_id", "违约": "outcome", "ref_code": "factor_categorical"})
    datasets.save_roles(con, "loans", {"违约": "outcome", "region": "segment", "income": "ignore"})
    assert datasets.saved_roles(con, "loans") == {"income": "ignore", "region": "segment", "违约": "outcome"}
    con.execute('ALTER TABLE loans ADD COLUMN "逾期天数" INTEGER')
    current = datasets.table_roles(con, "loans")
    assert current["region"] == "segment"
    assert current["income"] == "ignore"
    assert current["ref_code"] == "ignore"  # no longer saved: detected again
    assert current["逾期天数"] == "days_past_due"
    assert datasets.columns_with_role(current, "outcome") == ["违约"]
    assert datasets.columns_with_role(current, "ignore") == ["ref_code", "notes", "serial_no", "income", "empty_col"]
    assert datasets.columns_with_role(current, "branch") == []
    audit = con.execute("SELECT action, table_name, detail FROM risklab_catalog.audit ORDER BY id").fetchall()
    assert [(a, t) for a, t, _ in audit] == [("save_roles", "loans"), ("save_roles", "loans")]
    assert json.loads(audit[-1][2]) == {"roles": {"违约": "outcome", "region": "segment", "income": "ignore"}}


def test_saving_an_empty_mapping_returns_to_detection(con) -> None:
    _loans(con)
    datasets.save_roles(con, "loans", {"income": "ignore"})
    datasets.save_roles(con, "loans", {})
    assert datasets.saved_roles(con, "loans") == {}
    assert datasets.table_roles(con, "loans")["income"] == "factor_numeric"


def test_saved_roles_survive_reconnecting(tmp_path) -> None:
    path = tmp_path / "risk.duckdb"
    first = store.connect(path)
    _loans(first)
    datasets.save_roles(first, "loans", {"贷款编号": "loan_id", "grade_level": "expert_score", "违约": "outcome"})
    first.close()
    again = store.connect(path)
    try:
        assert datasets.saved_roles(again, "loans") == {
            "grade_level": "expert_score",
            "违约": "outcome",
            "贷款编号": "loan_id",
        }
        assert datasets.table_roles(again, "loans")["grade_level"] == "expert_score"
    finally:
        again.close()


def test_bad_roles_are_refused_and_leave_saved_roles_untouched(con) -> None:
    _loans(con)
    datasets.save_roles(con, "loans", {"违约": "outcome"})
    with pytest.raises(RiskLabError) as exc:
        datasets.save_roles(con, "loans", {"违约": "outcome", "贷款金额": "boss"})
    assert str(exc.value) == "'boss' (column '贷款金额') is not a column role: choose one of the roles in the list"
    assert exc.value.message("zh") == "'boss'（列 '贷款金额'）不是有效的列角色：请从列表中选择"
    with pytest.raises(RiskLabError) as exc:
        datasets.save_roles(con, "loans", {"违约": "outcome", "nope": "amount"})
    assert str(exc.value) == "table 'loans' has no column 'nope'"
    with pytest.raises(RiskLabError) as exc:
        datasets.save_roles(con, "loans", {"贷款金额": None})
    assert str(exc.value) == "None (column '贷款金额') is not a column role: choose one of the roles in the list"
    with pytest.raises(RiskLabError) as exc:
        datasets.save_roles(con, "no_table", {"x": "amount"})
    assert str(exc.value) == "there is no table named 'no_table'"
    with pytest.raises(RiskLabError) as exc:
        datasets.table_roles(con, "no_table")
    assert str(exc.value) == "there is no table named 'no_table'"
    assert datasets.saved_roles(con, "loans") == {"违约": "outcome"}
    assert con.execute("SELECT count(*) FROM risklab_catalog.audit").fetchall() == [(1,)]
