"""AppTest: Home is the front door (issue 13): what the database holds, one way in per kind of user, links to the
pages, in both languages."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from analytics import decisions, model, store
from tests.conftest import PROJECT


def open_home(db, monkeypatch, lang: str) -> AppTest:
    monkeypatch.setenv("RISKLAB_DB", str(db))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_home_says_what_the_database_holds_and_offers_one_entry_per_persona(model_db, monkeypatch, lang):
    at = open_home(model_db, monkeypatch, lang)
    from ui import database

    con = database._database(str(model_db)).cursor()  # the app holds the database: read it through the app
    catalog = store.catalog(con)
    tiles = {m.label: m.value for m in at.metric}
    names = {
        "en": ["Loan tables", "Rows in all tables", "Saved models", "Expert rule sets"],
        "zh": ["贷款数据表", "全部数据表行数", "已保存模型", "专家规则集"],
    }[lang]
    assert list(tiles) == names
    models = model.list_models(con)["name"].nunique()
    rule_sets = decisions.list_rule_sets(con)["name"].nunique()
    expected = [len(catalog), int(catalog["rows"].sum()), models, rule_sets]
    assert [int(v.replace(",", "")) for v in tiles.values()] == expected
    assert models >= 1 and int(catalog["rows"].sum()) > 36_000
    personas = {
        "en": ["**Portfolio quality**", "**Build a model**", "**Train officers**"],
        "zh": ["**资产质量**", "**建立模型**", "**培训信贷员**"],
    }[lang]
    assert [m.value for m in at.markdown if m.value in personas] == personas
    links = [(e.proto.page, e.proto.label) for e in at.get("page_link")]
    pages = ["data", "portfolio", "portfolio", "risk_factors", "model", "monitoring", "expert_vs_model", "what_if"]
    assert [page for page, _ in links] == pages
    assert {"en": "Portfolio", "zh": "资产质量"}[lang] in [label for _, label in links]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_personas_link_the_provisions_tab_and_monitoring(model_db, monkeypatch, lang):
    """Managers get the Provisions tab of the Portfolio page (the link opens the page on that tab), risk analysts
    the Monitoring page, in both languages."""
    at = open_home(model_db, monkeypatch, lang)
    links = {e.proto.label: e.proto for e in at.get("page_link")}
    provisions = {"en": "Provisions and ECL (Portfolio page)", "zh": "拨备与预期信用损失（资产质量页面）"}[lang]
    monitoring = {"en": "Monitoring", "zh": "模型监控"}[lang]
    assert links[provisions].page == "portfolio" and links[provisions].query_string == "tab=provisions"
    assert links[monitoring].page == "monitoring" and links[monitoring].query_string == ""
    assert at.session_state["table"] == "sample_loans"  # the active table is loan-level, with no provisions
    at.query_params["tab"] = "provisions"  # where the link leads: the Portfolio page on its Provisions tab
    at.switch_page("pages/portfolio.py").run()
    assert not at.exception and not at.error
    assert at.session_state["table"] == "sample_performance"  # the page opened the monthly book by itself
    opened = next(b for b in _blocks(at.main) if b.type == "tab_container")
    tabs = [tab.label for tab in at.tabs]
    wanted = {"en": "Provisions and ECL", "zh": "拨备与预期信用损失"}[lang]
    assert tabs[opened.proto.tab_container.default_tab_index] == wanted


def _blocks(block):
    """Every block under ``block``, depth first."""
    for child in getattr(block, "children", {}).values():
        yield child
        yield from _blocks(child)


def test_the_deploy_button_is_hidden():
    import tomllib

    config = (PROJECT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert tomllib.loads(config)["client"]["toolbarMode"] == "viewer"  # no Deploy, no developer menu
