"""AppTest of a shared app (issue 18): the sign-in form before anything else, pages per role, refusals from
analytics shown as one sentence, the audit trail by person, single sign-on through st.login, the idle time-out."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from analytics import store
from tests.conftest import PROJECT

ACCOUNTS = {"ada": "admin", "rita": "risk_manager", "erin": "executive", "tom": "trainer", "tina": "trainee"}
PASSWORD = "correct horse"


@pytest.fixture
def shared_db(model_db, monkeypatch):
    """The demo database with one account per role, served in shared mode."""
    con = store.connect(model_db)
    for name, role in ACCOUNTS.items():
        store.add_user(con, name, role, PASSWORD)
    store.add_user(con, "erin@bank.cn", "executive", sso=True)
    store.open_table(con, "sample_loans")
    con.close()
    monkeypatch.setenv("RISKLAB_DB", str(model_db))
    monkeypatch.setenv("RISKLAB_SHARED", "1")
    return model_db


def fresh(lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.session_state["lang"] = lang
    return at.run()


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    next(b for b in at.button if b.label in ("Sign in", "登录")).click()
    return at.run()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_fresh_browser_sees_only_the_sign_in_form(shared_db, lang):
    at = fresh(lang)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [
        {"en": "Sign in to Microcredit Risk Lab", "zh": "登录小微信贷风险实验室"}[lang]
    ]
    assert [w.key for w in at.text_input] == ["signin_name", "signin_password"]
    assert list(at.selectbox) == [] and list(at.dataframe) == [] and list(at.metric) == []
    assert [w.key for w in at.sidebar.radio] == ["lang_choice"]  # the language switch, nothing about the data
    assert "risklab.duckdb" not in str([c.value for c in at.sidebar.caption])
    with pytest.raises(ValueError, match=r"Known pages: \['[^']+'\]\.$"):  # the only page there is
        at.switch_page("pages/data.py")


def test_a_wrong_password_is_one_sentence_and_the_form_stays(shared_db):
    at = sign_in(fresh(), "tina", "wrong horse")
    assert [e.value for e in at.error] == ["The name or the password is wrong, or the account is disabled."]
    assert [w.key for w in at.text_input] == ["signin_name", "signin_password"]


def test_a_trainee_sees_what_if_only_and_is_refused_by_analytics(shared_db):
    at = sign_in(fresh(), "tina")
    assert not at.exception, at.exception
    assert at.title[0].value == "What-if and training"
    assert "Signed in as tina (trainee)" in [c.value for c in at.sidebar.caption]
    assert [w.key for w in at.sidebar.selectbox] == ["table_choice"]
    assert at.sidebar.selectbox(key="table_choice").options == ["sample_loans"]  # the table opened to trainees
    with pytest.raises(ValueError):  # not among the trainee's pages
        at.switch_page("pages/data.py")
    from ui import database

    con = database._database(str(shared_db)).cursor()
    with store.acting_as(store.Person("tina", "trainee", "10.0.0.7", "password")), pytest.raises(store.Refused):
        store.permit(con, "delete_model", None, name="Sample logit")
    refused = con.execute("SELECT action FROM risklab_catalog.audit WHERE person = 'tina' AND outcome = 'refused'")
    assert refused.fetchall() == [("delete_model",)]


PAGE_TITLES = {
    "home": "Microcredit Risk Lab",
    "data": "Data",
    "risk_factors": "Risk factors",
    "portfolio": "Portfolio",
    "model": "Model",
    "expert_vs_model": "Expert vs model",
    "what_if": "What-if and training",
    "monitoring": "Monitoring",
    "access": "Accounts and audit",
}


@pytest.mark.parametrize(
    ("name", "pages"),
    [
        ("erin", {"portfolio", "monitoring"}),
        ("tom", {"expert_vs_model", "what_if", "access"}),
        ("rita", set(PAGE_TITLES) - {"access"}),
    ],
)
def test_each_role_opens_its_pages_and_no_other(shared_db, name, pages):
    at = sign_in(fresh(), name)
    assert not at.exception, at.exception
    first = next(page for page in PAGE_TITLES if page in pages)
    assert at.title[0].value == PAGE_TITLES[first]  # the role's first page opens
    for page in set(PAGE_TITLES) - pages:  # before any switch: AppTest then registers the pages/ folder too
        with pytest.raises(ValueError, match="Known pages"):  # the navigation does not list it
            at.switch_page(f"pages/{page}.py")
    for page in sorted(pages):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert at.title[0].value == PAGE_TITLES[page], page


def test_the_admin_sees_the_trainees_attempts_by_person(shared_db):
    tina = sign_in(fresh(), "tina", "wrong horse")
    tina = sign_in(tina, "tina")
    assert tina.title[0].value == "What-if and training"
    at = sign_in(fresh(), "ada")
    at.switch_page("pages/access.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Accounts and audit"
    at.selectbox(key="audit_person").select("tina").run()
    audit = at.dataframe[1].value
    assert audit["person"].unique().tolist() == ["tina"]
    assert audit["action"].tolist()[:2] == ["sign in", "sign in (failed)"]  # newest first
    assert audit["result"].tolist()[:2] == ["done", "failed"]
    at.multiselect(key="audit_actions").set_value(["sign_in_failed"]).run()  # the failures only
    assert at.dataframe[1].value["action"].tolist() == ["sign in (failed)"]
    accounts = at.dataframe[0].value
    assert sorted(accounts["name"]) == sorted([*ACCOUNTS, "erin@bank.cn"])
    roles = dict(zip(accounts["name"], accounts["role"], strict=True))
    assert (roles["ada"], roles["tina"], roles["erin@bank.cn"]) == ("administrator", "trainee", "executive")
    assert set(accounts["sign_in"]) == {"password", "single sign-on"} and set(accounts["disabled"]) == {"no"}
    assert audit["role"].tolist()[:2] == ["trainee", "-"]  # a failed sign-in has no role


def test_a_trainer_opens_tables_to_trainees(shared_db):
    at = sign_in(fresh(), "tom")
    at.switch_page("pages/access.py").run()
    assert not at.exception, at.exception
    assert "audit_person" not in [w.key for w in at.selectbox]  # no audit trail for a trainer
    assert [s.value for s in at.subheader] == ["Tables open to trainees"]
    at.multiselect(key="quiz_pick").set_value(["sample_loans", "german_credit"]).run()
    at.button(key="quiz_save").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Trainees now see: german_credit, sample_loans."]


def test_single_sign_on_shows_the_providers_button_and_maps_the_role(model_db, monkeypatch):
    con = store.connect(model_db)
    store.add_user(con, "erin@bank.cn", "executive", sso=True)
    con.close()
    monkeypatch.setenv("RISKLAB_DB", str(model_db))
    monkeypatch.delenv("RISKLAB_SHARED", raising=False)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a long random secret for the test",
        "client_id": "risklab",
        "client_secret": "not a real secret",
        "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration",
    }
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception, at.exception
    assert at.button(key="sso_login").label == "Sign in with your institution's account"  # configured: shared mode
    at.user = {"is_logged_in": True, "email": "erin@bank.cn", "name": "Erin"}
    at.run()
    assert not at.exception, at.exception
    assert "Signed in as erin@bank.cn (executive)" in [c.value for c in at.sidebar.caption]
    at.user = {"is_logged_in": True, "email": "stranger@bank.cn"}
    stranger = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    stranger.secrets["auth"] = dict(at.secrets["auth"])
    stranger.user = {"is_logged_in": True, "email": "stranger@bank.cn"}
    stranger.run()
    assert [e.value for e in stranger.error] == [
        "stranger@bank.cn has no account here: ask an administrator to add it."
    ]
    assert list(stranger.dataframe) == [] and list(stranger.metric) == []


def test_a_refusal_from_analytics_reads_as_one_sentence_on_the_page(shared_db):
    """An executive sees the Portfolio page's red-flag thresholds, but saving settings is the admin's: analytics
    refuses, the page says so in one sentence, nothing is saved, and the attempt is in the audit."""
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.session_state["table"] = "sample_performance"  # the monthly table, where the thresholds are
    at = sign_in(at.run(), "erin")
    assert at.title[0].value == "Portfolio"
    at.button(key="pf_save_thresholds").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "Your role (executive) may not save the red-flag thresholds. Nothing was changed; "
        "ask an administrator if you need it."
    ]
    from ui import database

    con = database._database(str(shared_db)).cursor()
    sql = "SELECT action, person, outcome FROM risklab_catalog.audit WHERE action = 'save_portfolio_thresholds'"
    assert con.execute(sql).fetchall() == [("save_portfolio_thresholds", "erin", "refused")]  # nothing saved
