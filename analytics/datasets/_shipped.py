"""The real public loan datasets shipped in ``data/`` (attribution in ``data/README.md``).

Each record names the file, the table it becomes, its licence, the column roles (canonical
role keys) and the default definition, so the caller can save them after ``import_shipped``.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from analytics import store
from analytics.datasets import _importer as importer

DATA_DIR = store.PROJECT_DIR / "data"


@dataclass(frozen=True)
class ShippedDataset:
    """A real dataset that ships with the product."""

    table: str
    file: str
    title: str
    licence: str
    roles: dict[str, str]
    default: dict


_GERMAN_CATEGORICAL = (
    "checking_status",
    "credit_history",
    "purpose",
    "savings",
    "employment_since",
    "personal_status_sex",
    "other_debtors",
    "property",
    "other_installment_plans",
    "housing",
    "job",
    "telephone",
    "foreign_worker",
)
_GERMAN_NUMERIC = ("installment_rate", "residence_since", "age_years", "existing_credits", "people_liable")

GERMAN_CREDIT = ShippedDataset(
    table="german_credit",
    file="german_credit.csv",
    title="Statlog German Credit (UCI #144, Hofmann 1994)",
    licence="CC BY 4.0, DOI 10.24432/C5NC77",
    roles={
        **dict.fromkeys(_GERMAN_CATEGORICAL, "factor_categorical"),
        **dict.fromkeys(_GERMAN_NUMERIC, "factor_numeric"),
        "duration_months": "term",
        "credit_amount": "amount",
        "default": "outcome",
    },
    default={"kind": "flag", "column": "default", "values": [1]},
)

SBA_LOANS = ShippedDataset(
    table="sba_loans",
    file="sba_case_2102.csv",
    title="U.S. SBA guaranteed loans, California NAICS 53 (Li, Mickel & Taylor 2018)",
    licence="U.S. government loan records (public domain); cite Li, Mickel & Taylor (2018), JSE 26(1)",
    roles={
        "Selected": "ignore",
        "LoanNr_ChkDgt": "loan_id",
        "Name": "ignore",
        "City": "factor_categorical",
        "State": "ignore",
        "Zip": "ignore",
        "Bank": "factor_categorical",
        "BankState": "factor_categorical",
        "NAICS": "factor_categorical",
        "ApprovalDate": "ignore",
        "ApprovalFY": "factor_categorical",
        "Term": "term",
        "NoEmp": "factor_numeric",
        "NewExist": "factor_categorical",
        "CreateJob": "factor_numeric",
        "RetainedJob": "factor_numeric",
        "FranchiseCode": "ignore",
        "UrbanRural": "factor_categorical",
        "RevLineCr": "factor_categorical",
        "LowDoc": "factor_categorical",
        "ChgOffDate": "ignore",
        "DisbursementDate": "ignore",
        "DisbursementGross": "amount",
        "BalanceGross": "ignore",
        "MIS_Status": "status",
        "ChgOffPrinGr": "ignore",
        "GrAppv": "factor_numeric",
        "SBA_Appv": "factor_numeric",
        "New": "factor_numeric",
        "RealEstate": "factor_numeric",
        "Portion": "factor_numeric",
        "Recession": "factor_numeric",
        "daysterm": "ignore",
        "xx": "ignore",
        "Default": "outcome",
    },
    default={"kind": "flag", "column": "Default", "values": [1]},
)

SHIPPED: tuple[ShippedDataset, ...] = (GERMAN_CREDIT, SBA_LOANS)


def import_shipped(
    con: duckdb.DuckDBPyConnection, dataset: ShippedDataset | None = None
) -> list[importer.ImportResult]:
    """Import one shipped dataset (or all of them) from ``data/``, replacing tables of the same name."""
    chosen = SHIPPED if dataset is None else (dataset,)
    return [importer.import_path(con, DATA_DIR / d.file, table=d.table, replace=True) for d in chosen]
