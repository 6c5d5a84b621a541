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
    assert [page for page, _ in links] == ["data", "portfolio", "risk_factors", "model", "expert_vs_model", "what_if"]
    assert {"en": "Portfolio", "zh": "资产质量"}[lang] in [label for _, label in links]


def test_the_deploy_button_is_hidden():
    import tomllib

    config = (PROJECT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert tomllib.loads(config)["client"]["toolbarMode"] == "viewer"  # no Deploy, no developer menu
