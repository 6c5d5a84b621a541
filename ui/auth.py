"""Who is signed in. On one laptop (single-user mode) nobody signs in and the machine's user acts. In a shared app
(``RISKLAB_SHARED=1``, or an ``[auth]`` section for OpenID Connect in ``.streamlit/secrets.toml``) a browser sees
only the sign-in form until someone signs in, with a local account or the institution's provider (``st.login``);
a session ends after the idle time; and every run tells analytics who acts (``store.act_as``), so each save is
checked against that person's role and recorded in the audit under their name.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import duckdb
import pandas as pd
import streamlit as st

from analytics import core, store
from ui import database, session, text

# The pages each role sees, the first one opening (app.py builds them; single-user mode shows the admin's: the
# machine's user may do everything). Home links to every page of the risk manager, so it is theirs and the admin's.
PAGES_BY_ROLE: dict[str, tuple[str, ...]] = {
    "admin": (
        "home",
        "data",
        "risk_factors",
        "portfolio",
        "model",
        "expert_vs_model",
        "what_if",
        "monitoring",
        "access",
    ),
    "risk_manager": ("home", "data", "risk_factors", "portfolio", "model", "expert_vs_model", "what_if", "monitoring"),
    "executive": ("portfolio", "monitoring"),
    "trainer": ("expert_vs_model", "what_if", "access"),
    "trainee": ("what_if",),
}
SINGLE_USER_PAGES = PAGES_BY_ROLE["admin"]


@st.cache_resource(show_spinner=False)
def _throttle() -> store.Throttle:
    """The server's one record of failed sign-ins (per account and per client), shared by every session."""
    return store.Throttle()


def sso_configured() -> bool:
    """Whether the institution configured OpenID Connect (an ``[auth]`` section in the secrets)."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def shared() -> bool:
    """Whether everyone must sign in: ``RISKLAB_SHARED`` says so, or single sign-on is configured."""
    return store.shared_mode() or sso_configured()


def pages_for(person: store.Person) -> tuple[str, ...]:
    """The pages ``person`` sees."""
    if person.via == "local":
        return SINGLE_USER_PAGES
    return PAGES_BY_ROLE.get(person.role or "", ())


def gate(con: duckdb.DuckDBPyConnection) -> store.Person | None:
    """The person this run acts for, told to analytics; None in a shared app nobody is signed in to (app.py then
    shows the sign-in page alone)."""
    if not shared():
        _act_as(store.LOCAL)
        return store.LOCAL
    _act_as(store.NOBODY)
    person = _signed_in(con)
    if person is not None:
        _act_as(person)
    return person


def _act_as(person: store.Person) -> None:
    """Tell analytics who acts, and keep it for a page that runs without app.py (``database.connect``)."""
    store.act_as(person)
    session.put("acting", person)


def _client() -> str | None:
    """The browser's address as the server sees it (None where Streamlit does not know it)."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None


def _signed_in(con: duckdb.DuckDBPyConnection) -> store.Person | None:
    """The signed-in person, ended after the idle time; a fresh single sign-on (``st.user``) is mapped to its role
    here."""
    person = session.get("person")
    now = time.time()
    if person is not None and now - session.get("last_seen") > store.idle_minutes() * 60:
        store.record_sign_out(con, person, expired=True)
        session.put("person", None)
        minutes = store.idle_minutes()
        kind = "count" if minutes.is_integer() else "number"
        session.put("signed_out_note", text.t("access.expired", minutes=text.figure(minutes, kind)))
        if person.via == "sso":
            st.logout()
        return None
    if person is None and sso_configured() and st.user.get("is_logged_in"):
        try:
            person = store.sso_person(con, st.user.get("email"), _client(), store.sso_default_role())
        except core.RiskLabError as exc:
            st.error(text.message(exc))
            if st.button(text.t("access.sign_out"), key=session.widget("sign_out")):
                st.logout()
            return None
    if person is not None:
        session.put("person", person)
        session.put("last_seen", now)
    return person


def sign_in_page() -> None:
    """The sign-in form: the provider's button when single sign-on is configured, and the local account form."""
    con = database.connect()
    st.title(text.t("access.sign_in_title"))
    note = session.pop("signed_out_note")
    if note:
        st.info(note)
    st.caption(text.t("access.sign_in_intro"))
    if sso_configured():
        if st.button(text.t("access.sso"), type="primary", key=session.widget("sso_login")):
            st.login(_provider())
        st.caption(text.t("access.or_password"))
    with st.form(session.widget_key("signin_form"), clear_on_submit=True, width=420):
        name = st.text_input(text.t("access.name"), key=session.widget("signin_name"))
        password = st.text_input(text.t("access.password"), type="password", key=session.widget("signin_password"))
        submitted = st.form_submit_button(text.t("access.sign_in"), type="primary")
    if not submitted:
        return
    try:
        person = store.sign_in(con, name.strip(), password, _client(), _throttle())
    except core.RiskLabError as exc:
        st.error(text.message(exc))
        return
    session.put("person", person)
    session.put("last_seen", time.time())
    st.rerun()


def sign_in_entry() -> st.Page:
    """The sign-in page, the only page of a shared app nobody signed in to."""
    return st.Page(sign_in_page, title=text.t("access.sign_in"), icon=":material/login:", url_path="sign_in")


def _provider() -> str | None:
    """The provider ``st.login`` uses: the ``[auth]`` section itself, else its first named provider."""
    section = st.secrets["auth"]
    if "client_id" in section:
        return None
    named = [name for name, value in section.items() if isinstance(value, Mapping)]
    return named[0] if named else None


def account_box(con: duckdb.DuckDBPyConnection, person: store.Person) -> None:
    """Who is signed in, and the sign-out button (in the sidebar of a shared app)."""
    if person.via == "local":
        return
    st.caption(text.t("access.signed_in_as", name=person.name, role=role_label(person.role)))
    if st.button(text.t("access.sign_out"), key=session.widget("sign_out")):
        store.record_sign_out(con, person)
        session.put("person", None)
        if person.via == "sso":
            st.logout()
        st.rerun()


def role_label(role: object) -> str:
    """A role in the user's words ("-" for none: a failed sign-in, a signed-out browser)."""
    return text.t(f"access.role.{role}") if isinstance(role, str) and role else "-"


USER_COLUMNS = ("name", "role", "sign_in", "disabled", "created_at", "changed_at")
SHARED_LABELS = {"role": "data.role", "name": "column.name"}


def users_view(frame: pd.DataFrame) -> pd.DataFrame:
    """The accounts in the user's words: roles, how each signs in, whether it is disabled."""
    shown = frame.copy()
    shown["role"] = [role_label(role) for role in shown["role"]]
    shown["sign_in"] = [text.t(f"access.via.{via}") for via in shown["sign_in"]]
    shown["disabled"] = [text.t(f"model.converged.{bool(disabled)}") for disabled in shown["disabled"]]
    return shown


TIME_KINDS = {"changed_at": "datetime"}


def column_labels(columns: tuple[str, ...]) -> dict[str, str]:
    """Headers of the accounts table (labels other tables have already, under their keys)."""
    return {column: text.t(SHARED_LABELS.get(column, f"access.column.{column}")) for column in columns}
