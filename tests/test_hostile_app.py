"""AppTest: hostile input on the pages ends in one translated sentence, never a traceback (issue 20)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from analytics import store
from analytics.core import t
from tests.conftest import PROJECT


@pytest.fixture
def app(demo_db, monkeypatch):
    monkeypatch.setenv("RISKLAB_DB", str(demo_db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def errors(at) -> list[str]:
    return [e.value for e in at.error]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_absurd_pdo_on_the_scorecard_tab_is_one_sentence(app, lang):
    app.session_state["lang"] = lang
    app.session_state["model_factors"] = ["credit_rating", "debt_ratio", "annual_income"]
    app.switch_page("pages/model.py").run()
    app.button(key="model_fit").click().run()
    app.number_input(key="model_pdo").set_value(5e307).run()
    assert not app.exception
    for message in errors(app):
        assert "Traceback" not in message and "\n" not in message


def test_a_failure_no_page_expected_is_one_sentence_in_the_users_language():
    """app.py runs every page through ``widgets.guarded``: what nothing else caught is one sentence."""

    def script():
        import errno

        from ui import session, widgets

        session.put("lang", "zh")

        def page():
            raise OSError(errno.ENOSPC, "No space left on device")

        widgets.guarded(page)

    at = AppTest.from_function(script).run()
    assert not at.exception
    assert errors(at) == [t("error.disk_full", "zh")]


def test_the_pages_run_guarded():
    app = (PROJECT / "app.py").read_text(encoding="utf-8")
    runs = [line.strip() for line in app.splitlines() if "st.navigation(" in line]
    assert len(runs) == 2  # the sign-in page of a shared app, and the pages of the person's role
    assert all(line.startswith("widgets.guarded(st.navigation(") and line.endswith(".run)") for line in runs)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * FROM pg_catalog.pg_settings", t("console.not_a_table", "en", name="pg_catalog.pg_settings")),
        ("SELECT current_setting('temp_directory') AS t", t("console.hidden_function", "en", name="current_setting")),
        ("SELECT * FROM risklab_catalog.audit", t("console.not_a_table", "en", name="risklab_catalog.audit")),
        (" UNION ALL ".join(["SELECT 1"] * 40_000), t("console.too_long", "en", chars=759_989, limit=20_000)),
    ],
)
def test_the_console_refuses_in_one_sentence(app, query, message):
    app.switch_page("pages/data.py").run()
    app.text_area(key="sql_text").set_value(query).run()
    app.button(key="run_sql").click().run()
    assert not app.exception
    assert errors(app) == [message]


def test_a_huge_console_result_is_cut_by_size_and_not_kept_whole(app, monkeypatch):
    monkeypatch.setattr(store._console, "MAX_RESULT_MB", 2.0)
    app.switch_page("pages/data.py").run()
    sql = "SELECT repeat('x', 1000000) AS a, repeat('y', 1000000) AS b FROM range(100)"
    app.text_area(key="sql_text").set_value(sql).run()
    app.button(key="run_sql").click().run()
    assert not app.exception
    assert any("size cap" in w.value for w in app.warning)
    kept = app.session_state["sql_result"].frame
    assert kept.memory_usage(deep=True).sum() < 4 * 1024 * 1024


def test_a_read_only_database_serves_the_reading_pages(demo_db_template, tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "risklab.duckdb"
    db.write_bytes(demo_db_template.read_bytes())
    db.chmod(0o444)
    folder.chmod(0o555)
    monkeypatch.setenv("RISKLAB_DB", str(db))
    try:
        at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120).run()
        assert not at.exception and not at.error
        assert any("36,000 rows" in m.value for m in at.markdown)
        at.switch_page("pages/data.py").run()
        at.text_area(key="sql_text").set_value("SELECT count(*) AS n FROM sample_loans").run()
        at.button(key="run_sql").click().run()
        assert not at.exception and not at.error
        assert at.session_state["sql_result"].frame["n"].tolist() == [36_000]
        from ui import database

        assert store.is_read_only(database._database(str(db)).cursor())  # opened read-only, not merely readable
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)
