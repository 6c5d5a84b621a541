"""AppTest: the Data page's profile shows no "None" for text columns and makes Streamlit log no Arrow failures."""

from __future__ import annotations

import logging

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT


@pytest.fixture
def arrow_failures(monkeypatch):
    """What Streamlit logs when a frame cannot be turned into an Arrow table as it is (a traceback per table)."""
    logger = logging.getLogger("streamlit.dataframe_util")
    logged: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: logged.append(record.getMessage())
    monkeypatch.setattr(logger, "level", logging.INFO)
    logger.addHandler(handler)
    yield logged
    logger.removeHandler(handler)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_text_columns_show_a_dash_for_min_and_max(demo_db, monkeypatch, arrow_failures, lang):
    """Issue 13: text columns showed "None" for min and max in the profile and the server logged nine pyarrow
    tracebacks (a column holding numbers, dates as text and None)."""
    monkeypatch.setenv("RISKLAB_DB", str(demo_db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception and not at.error
    profile = next(d.value for d in at.dataframe if "top_values" in d.value.columns).set_index("column")
    for column in ("credit_rating", "education", "loan_id"):  # VARCHAR columns
        assert profile.loc[column, "type"] == "VARCHAR"
        assert (profile.loc[column, "min"], profile.loc[column, "max"], profile.loc[column, "mean"]) == ("-",) * 3
    assert profile.loc["application_date", "min"].startswith("2021") and profile.loc["application_date", "mean"] == "-"
    assert profile.loc["household_size", "min"] == "2.00" and profile.loc["household_size", "max"] == "9.00"
    assert "None" not in profile[["min", "max", "mean"]].to_numpy().ravel().tolist()
    assert [m for m in arrow_failures if "Arrow" in m] == []
