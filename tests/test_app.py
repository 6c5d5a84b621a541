"""AppTest: every page runs in both languages, and the Data page's interactions work end to end."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from analytics import datasets, store
from tests.conftest import PROJECT

PAGES = re.findall(r'st\.Page\(\s*"(pages/[^"]+\.py)"', (PROJECT / "app.py").read_text(encoding="utf-8"))


@pytest.fixture
def app(demo_db, monkeypatch):
    monkeypatch.setenv("RISKLAB_DB", str(demo_db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    return at


def _db(demo_db):
    """Read what the app saved (the app's connection lives in this process, so use a cursor of it)."""
    from ui import database

    return database._database(str(demo_db)).cursor()


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_error(app, page, lang):
    app.session_state["lang"] = lang
    app.switch_page(page).run()
    assert not app.exception
    assert not app.error
    assert app.title


@pytest.mark.parametrize("page", PAGES)
def test_no_english_placeholder_on_the_chinese_pages(app, page):
    """Issue 13: multiselects said "Choose options" on the Chinese pages."""
    app.session_state["lang"] = "zh"
    app.switch_page(page).run()
    assert not app.exception
    assert [m.placeholder for m in app.multiselect if m.placeholder == "Choose options"] == []


def test_every_page_file_is_in_the_navigation():
    assert sorted(PAGES) == sorted(f"pages/{p.name}" for p in (PROJECT / "pages").glob("*.py"))


def test_url_paths_equal_the_file_names():
    """Streamlit resolves a bookmarked URL against pages/ file names before st.navigation runs: keep them equal."""
    source = (PROJECT / "app.py").read_text(encoding="utf-8")
    pairs = re.findall(r'"pages/([^"]+)\.py"(?:(?!st\.Page).)*?url_path="([^"]+)"', source, flags=re.S)
    assert pairs and all(stem == url for stem, url in pairs)


def test_sidebar_has_table_picker_and_language(app):
    assert "sample_loans" in app.sidebar.selectbox(key="table_choice").options
    assert app.sidebar.radio(key="lang_choice").options == ["English", "简体中文"]
    app.sidebar.radio(key="lang_choice").set_value("zh").run()
    assert app.session_state["lang"] == "zh"
    assert app.title[0].value == "小微信贷风险实验室"


def test_import_an_uploaded_file(app, demo_db):
    app.switch_page("pages/data.py").run()
    content = b'loan_id,amount,default\nA1,"1,200",0\nA2,800,1\nA3,950,0\n'
    app.file_uploader[0].set_value(("branch loans.csv", content, "text/csv")).run()
    assert not app.exception
    assert any("utf-8" in c.value for c in app.caption)
    name_box = next(w for w in app.text_input if w.key and w.key.startswith("name_"))
    assert name_box.value == "branch_loans"
    next(b for b in app.button if b.key and b.key.startswith("import_")).click().run()
    assert not app.exception
    assert app.success[0].value == "Imported 3 rows into table branch_loans."
    assert app.session_state["table"] == "branch_loans"
    con = _db(demo_db)
    assert con.execute('SELECT sum(amount) FROM "branch_loans"').fetchone()[0] == 2950
    # importing the same name again without "replace" is refused with a clear message
    app.file_uploader[0].set_value(("branch loans.csv", content, "text/csv")).run()
    next(b for b in app.button if b.key and b.key.startswith("import_")).click().run()
    assert "already" in app.error[0].value


def test_save_edited_roles(app, demo_db):
    app.switch_page("pages/data.py").run()
    columns = [c for c, _ in store.table_columns(_db(demo_db), "sample_loans")]
    row = columns.index("branch")
    app.session_state["roles_sample_loans"] = {
        "edited_rows": {row: {"role": "ignore"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    app.button(key="save_roles").click().run()
    assert not app.exception
    assert app.success[0].value == "Roles and display names saved for sample_loans."
    assert datasets.saved_roles(_db(demo_db), "sample_loans")["branch"] == "ignore"


def test_save_a_dpd_default_definition(app, demo_db):
    app.sidebar.selectbox(key="table_choice").set_value("sample_performance").run()
    app.switch_page("pages/data.py").run()
    app.radio(key="kind_sample_performance").set_value("dpd").run()
    app.selectbox(key="defcol_sample_performance_dpd").set_value("days_past_due").run()
    app.number_input(key="defdpd_sample_performance").set_value(60).run()
    app.button(key="save_default").click().run()
    assert not app.exception
    assert app.success[0].value == "Default definition saved for sample_performance."
    saved = datasets.load_definition(_db(demo_db), "sample_performance")
    assert (saved.kind, saved.column, saved.threshold) == ("dpd", "days_past_due", 60)


def test_sql_console_reads_and_refuses_writes(app):
    app.switch_page("pages/data.py").run()
    app.text_area(key="sql_text").set_value("SELECT count(*) AS n FROM sample_loans WHERE booked").run()
    app.button(key="run_sql").click().run()
    assert not app.exception
    result = next(frame.value for frame in app.dataframe if list(frame.value.columns) == ["n"])  # not the audit
    assert result["n"].iloc[0] > 20_000
    app.text_area(key="sql_text").set_value("DELETE FROM sample_loans").run()
    app.button(key="run_sql").click().run()
    assert app.error[0].value == "the console is read-only: only SELECT queries are allowed, not DELETE"


def test_an_upload_conflict_speaks_of_the_box_not_the_flag(app, demo_db):
    """Issue 13: the app's message named --replace, a command-line flag."""
    app.switch_page("pages/data.py").run()
    content = b"loan_id,amount,default\nA1,100,0\nA2,800,1\n"
    app.file_uploader[0].set_value(("sample loans.csv", content, "text/csv")).run()
    next(w for w in app.text_input if w.key and w.key.startswith("name_")).set_value("sample_loans").run()
    next(b for b in app.button if b.key and b.key.startswith("import_")).click().run()
    assert not app.exception
    assert app.error[0].value == (
        "A table named 'sample_loans' already exists: choose another table name, or tick the replace box above to "
        "overwrite it."
    )
    assert "--replace" not in app.error[0].value
    assert store.row_count(_db(demo_db), "sample_loans") == 36_000  # nothing replaced


def test_importing_a_shipped_dataset_again_asks_first(app, demo_db):
    """Issue 13: "Import this dataset" silently re-imported (and reset the table's roles and definition)."""
    app.switch_page("pages/data.py").run()
    con = _db(demo_db)
    roles = datasets.saved_roles(con, "german_credit")
    datasets.save_roles(con, "german_credit", {**roles, "purpose": "ignore"})
    assert app.selectbox(key="shipped_pick").value.table == "german_credit"
    assert app.warning[0].value.startswith("german_credit is already in the database")
    assert app.button(key="import_shipped").disabled
    app.checkbox(key="shipped_replace_german_credit").check().run()
    assert not app.button(key="import_shipped").disabled
    app.button(key="import_shipped").click().run()
    assert not app.exception
    assert app.success[0].value.startswith("Imported 1,000 rows")
    assert datasets.saved_roles(con, "german_credit")["purpose"] == roles["purpose"] != "ignore"  # shipped again


def test_a_dpd_definition_offers_numeric_columns_only(app, demo_db):
    """Issue 13: a text column for days past due showed DuckDB's raw conversion error (it happened by itself on a
    table whose saved definition is five-category: DPD preselected the classification column)."""
    app.sidebar.selectbox(key="table_choice").set_value("sample_performance").run()
    app.switch_page("pages/data.py").run()
    app.radio(key="kind_sample_performance").set_value("classification").run()
    app.button(key="save_default").click().run()
    app.radio(key="kind_sample_performance").set_value("dpd").run()
    assert not app.exception and not app.error
    options = app.selectbox(key="defcol_sample_performance_dpd").options
    assert "classification" not in options and "days_past_due" in options
    types = dict(store.table_columns(_db(demo_db), "sample_performance"))
    assert all(datasets.is_numeric(types[c]) for c in options)
