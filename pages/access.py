"""Accounts and audit: the accounts of a shared app, the one audit trail (by person, action, object and dates),
and the tables open to trainees. In single-user mode the machine's user is the admin and sees it too."""

import streamlit as st

from analytics import store
from ui import audit, auth, database, session, tables, text, widgets

con = database.connect()
st.title(text.t("access.nav"))
widgets.flash()

if store.allowed("add_user"):
    st.subheader(text.t("access.accounts"))
    st.caption(text.t("access.accounts_help"))
    accounts = widgets.attempt(store.list_users, con)
    if accounts is not None:
        tables.show(auth.users_view(accounts), labels=auth.column_labels(auth.USER_COLUMNS), kinds=auth.TIME_KINDS)

    st.subheader(text.t("audit.heading"))
    audit.viewer(con)

if store.allowed("open_quiz_table"):
    st.subheader(text.t("access.quiz"))
    st.caption(text.t("access.quiz_help"))
    every_table = store.user_tables(con)
    opened = [table for table in store.opened_tables(con) if table in every_table]
    chosen = st.multiselect(
        text.t("access.quiz_tables"),
        every_table,
        default=opened,
        placeholder=text.t("app.choose"),
        key=session.widget("quiz_pick"),
    )
    if st.button(text.t("access.quiz_save"), type="primary", key=session.widget("quiz_save")):
        for table in sorted(set(chosen) - set(opened)):
            widgets.attempt(store.open_table, con, table)
        for table in sorted(set(opened) - set(chosen)):
            widgets.attempt(store.close_table, con, table)
        listed = ", ".join(store.opened_tables(con)) or text.t("access.nothing")
        session.put("flash", text.t("access.quiz_saved", tables=listed))
        st.rerun()
