"""The expert side of Expert vs model, chosen and edited by the user: the officers' recorded decision or score
column, or an expert rule set (knock-out rules, scorecard points, grades and an approval threshold) edited in
tables, loaded from and saved to named versions.

The draft being edited is the value ``ev_draft``; ``ev_ver`` numbers it, so the editors start afresh (their keys
change) when another rule set is loaded or a rule is added.
"""

from __future__ import annotations

import dataclasses

import duckdb
import streamlit as st

from analytics import core, datasets, decisions, store
from ui import cache, session, text, widgets


def expert_source(
    con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext, kind: str, recorded: list[str]
) -> decisions.RecordedDecision | decisions.ScoreThreshold | decisions.RuleSet | None:
    """The expert side: from one of the ``recorded`` columns (``kind`` "recorded") or an expert rule set (``kind``
    "rules"). None while the edited rules are invalid (the error is shown)."""
    if kind == "recorded":
        return recorded_source(con, ctx, recorded)
    return rule_editor(con, ctx)


def recorded_source(
    con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext, recorded: list[str]
) -> decisions.RecordedDecision | decisions.ScoreThreshold:
    """The officers' recorded decision (the values meaning approval) or score (with a threshold)."""
    column = st.selectbox(text.t("expert.column"), recorded, key=session.widget("ev_rec_column", options=recorded))
    if datasets.is_numeric(ctx.types[column]):
        median = cache.data(decisions.median_score, con, ctx, column)
        start = 0.0 if median is None else median
        minimum = st.number_input(text.t("expert.min_score"), key=session.widget("ev_min", column, default=start))
        return decisions.ScoreThreshold(column, minimum)
    values = cache.data(store.distinct_values, con, ctx.table, column, depends_on=ctx.version)
    approving = [v for v in values if datasets.text_key(v) in decisions.APPROVE_WORDS]
    key = session.widget("ev_approve", column, default=approving, options=values)
    approve = st.multiselect(text.t("expert.approve_values"), values, placeholder=text.t("app.choose"), key=key)
    return decisions.RecordedDecision(column, tuple(approve))


def _draft(con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext, choice: str) -> decisions.RuleSet:
    """The rules being edited: loaded again (a new ``ev_ver``) when another rule set or table is chosen."""
    if session.get("ev_draft_of") != (ctx.table, choice):
        draft = decisions.load_rule_set(con, choice).source if choice else decisions.starter_rules(ctx)
        session.put("ev_draft", draft)
        session.put("ev_draft_of", (ctx.table, choice))
        session.put("ev_ver", session.get("ev_ver") + 1)
    return session.get("ev_draft")


def rule_editor(con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext) -> decisions.RuleSet | None:
    """Knock-out rules, scorecard points, grades and the approval threshold, edited in tables and saved as a new
    version of a named rule set. None while the edited rules are invalid (the error is shown)."""
    lang = text.lang()
    columns = list(ctx.types)
    starter = text.t("expert.starter")
    saved = decisions.list_rule_sets(con, ctx.table)
    choices = ["", *dict.fromkeys(saved.loc[saved["kind"] == "rules", "name"])]  # matrices: ui/matrix_editor.py
    choice = st.selectbox(
        text.t("expert.rule_set"),
        choices,
        key=session.widget("ev_rules_choice", options=choices),
        format_func=lambda name: name or starter,
    )
    draft = _draft(con, ctx, choice)
    ver = session.get("ev_ver")
    knock, points, grades = decisions.rules_to_frames(draft)
    edited = (*decisions.KNOCKOUT_COLUMNS, *decisions.POINTS_COLUMNS, *decisions.GRADE_COLUMNS)
    labels = {column: core.column_label(column, lang) for column in edited}
    config = {
        **labels,
        "join": st.column_config.SelectboxColumn(labels["join"], options=list(decisions.JOINS)),
        "column": st.column_config.SelectboxColumn(labels["column"], options=columns),
        "operator": st.column_config.SelectboxColumn(labels["operator"], options=list(decisions.OPERATOR_KEYS)),
    }

    st.markdown(text.t("expert.knockouts"))
    knock = st.data_editor(
        knock, key=session.widget("ev_knock", ver), num_rows="dynamic", hide_index=True, column_config=config
    )
    add = st.columns([1, 2, 1, 2, 1], vertical_alignment="bottom")
    join = add[0].selectbox(labels["join"], decisions.JOINS, key=session.widget("ev_add_join"))
    column = add[1].selectbox(labels["column"], columns, key=session.widget("ev_add_column", options=columns))
    operator = add[2].selectbox(labels["operator"], decisions.OPERATOR_KEYS, key=session.widget("ev_add_op"))
    value = add[3].text_input(labels["value"], key=session.widget("ev_add_value"), help=text.t("expert.value_help"))
    left, right = st.columns([3, 2])
    left.markdown(text.t("expert.points"))
    points = left.data_editor(
        points, key=session.widget("ev_points", ver), num_rows="dynamic", hide_index=True, column_config=config
    )
    right.markdown(text.t("expert.grades"))
    grades = right.data_editor(
        grades, key=session.widget("ev_grades", ver), num_rows="dynamic", hide_index=True, column_config=config
    )
    threshold_key = session.widget("ev_threshold", ver, default=draft.threshold)
    # value=None is no default of its own (Streamlit does not warn): the box is empty for a draft without threshold
    threshold = right.number_input(text.t("expert.threshold"), value=None, key=threshold_key)
    rules = widgets.attempt(decisions.rules_from_frames, knock, points, grades, threshold)
    added = add[4].button(text.t("expert.add"), key=session.widget("ev_add"), disabled=rules is None)
    name_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
    name_key = session.widget("ev_rules_name", default=choice or starter)
    name = name_column.text_input(text.t("expert.name"), key=name_key).strip()
    save = button_column.button(
        text.t("expert.save"), key=session.widget("ev_save"), type="primary", disabled=rules is None
    )

    if added and rules is not None:
        condition = decisions.Condition(column, operator, value, join)
        session.put("ev_draft", dataclasses.replace(rules, knockouts=(*rules.knockouts, condition)))
        session.put("ev_ver", ver + 1)
        st.rerun()
    if save and rules is not None:
        version = widgets.attempt(decisions.save_rule_set, con, name, rules, ctx)
        if version:
            session.set_widget("ev_rules_choice", value=name)
            session.put("ev_draft", rules)
            session.put("ev_draft_of", (ctx.table, name))
            session.put("flash", text.t("expert.saved", name=name, version=version))
            st.rerun()
    return rules
