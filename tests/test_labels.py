"""Display names of columns per language (issue 13): saved in the catalog, edited on the Data page next to the
roles, written on What-if instead of raw column names."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import datasets, store
from analytics.core import RiskLabError
from tests.conftest import PROJECT, add_table


def test_save_and_read_display_names(con):
    add_table(con, "loans", pd.DataFrame({"credit_rating": ["A", "B"], "income": [1.0, 2.0]}))
    assert datasets.column_labels(con, "loans") == {"en": {}, "zh": {}}
    datasets.save_column_labels(con, "loans", {"zh": {"credit_rating": " 信用评级 ", "income": ""}, "en": {}})
    assert datasets.column_labels(con, "loans") == {"en": {}, "zh": {"credit_rating": "信用评级"}}  # trimmed
    datasets.save_column_labels(con, "loans", {"en": {"income": "Annual income"}})  # replaces all of them
    assert datasets.column_labels(con, "loans") == {"en": {"income": "Annual income"}, "zh": {}}
    audit = con.execute("SELECT action FROM risklab_catalog.audit WHERE table_name = 'loans'").fetchall()
    assert ("save_column_labels",) in audit


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"zh": {"nope": "不存在"}}, "table 'loans' has no column 'nope'"),
        ({"fr": {"income": "revenu"}}, "unknown language 'fr': use one of en, zh"),
        ({"en": {"income": "x" * 61}}, "the display name of income is longer than 60 characters"),
    ],
)
def test_bad_display_names_have_clear_messages_and_change_nothing(con, labels, message):
    add_table(con, "loans", pd.DataFrame({"income": [1.0, 2.0]}))
    datasets.save_column_labels(con, "loans", {"en": {"income": "Income"}})
    with pytest.raises(RiskLabError, match=f"^{re.escape(message)}$"):
        datasets.save_column_labels(con, "loans", labels)
    assert datasets.column_labels(con, "loans")["en"] == {"income": "Income"}


def test_names_edited_on_the_data_page_show_on_what_if_in_chinese(model_db, monkeypatch):
    monkeypatch.setenv("RISKLAB_DB", str(model_db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.session_state["lang"] = "zh"
    at.run()
    at.switch_page("pages/data.py").run()
    from ui import database

    con = database._database(str(model_db)).cursor()
    columns = [c for c, _ in store.table_columns(con, "sample_loans")]
    at.session_state["roles_sample_loans"] = {
        "edited_rows": {
            columns.index("credit_rating"): {"label_zh": "信用等级", "label_en": "Rating"},
            columns.index("debt_ratio"): {"label_zh": "资产负债率"},
            columns.index("annual_income"): {"label_zh": ""},  # blank: no display name
        },
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button(key="save_roles").click().run()
    assert not at.exception and not at.error
    saved = datasets.column_labels(con, "sample_loans")
    assert saved["zh"]["credit_rating"] == "信用等级" and saved["zh"]["debt_ratio"] == "资产负债率"
    assert saved["en"]["credit_rating"] == "Rating" and "annual_income" not in saved["zh"]
    at.switch_page("pages/what_if.py").run()
    assert not at.exception
    assert at.selectbox(key="wi_f_credit_rating").label == "信用等级"
    assert at.slider(key="wi_f_debt_ratio").label == "资产负债率"
    assert at.slider(key="wi_f_annual_income").label == "annual_income"  # no display name: the column's own
    at.session_state["lang"] = "en"
    at.run()
    assert at.selectbox(key="wi_f_credit_rating").label == "Rating"


def test_the_sample_ships_display_names_in_both_languages(model_db, monkeypatch):
    """The demo database names the sample's factors in English and Chinese; What-if shows them at once."""
    con = store.connect(model_db)
    labels = datasets.column_labels(con, "sample_loans")
    con.close()
    assert labels["zh"]["credit_rating"] == "信用评级"
    assert labels["en"]["debt_ratio"] == "Debt ratio"
    assert set(labels["en"]) == set(labels["zh"])
    monkeypatch.setenv("RISKLAB_DB", str(model_db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.session_state["lang"] = "zh"
    at.run()
    at.switch_page("pages/what_if.py").run()
    assert not at.exception
    assert at.selectbox(key="wi_f_credit_rating").label == "信用评级"
    assert at.slider(key="wi_f_annual_income").label == "年收入"
