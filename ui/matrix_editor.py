"""The matrix strategy editor of Expert vs model: model grade x officer grade -> approve or reject, edited in one
table, loaded from and saved to named versions like a rule set. The model grades come from the page's saved model.

The editor's key carries the chosen matrix, the officer column and ``ev_matrix_ver``, so it starts afresh when
another matrix or column is chosen or a matrix is saved.
"""

from __future__ import annotations

import duckdb
import streamlit as st

from analytics import core, datasets, decisions, model
from ui import cache, session, text, widgets


def _officer_columns(ctx: datasets.TableContext) -> list[str]:
    """Text columns that may hold the officers' rating, the credit rating first when the table has one."""
    texts = [column for column, kind in ctx.types.items() if datasets.type_class(kind) == "text"]
    return sorted(texts, key=lambda column: column != "credit_rating")


def matrix_editor(
    con: duckdb.DuckDBPyConnection, ctx: datasets.TableContext, saved: model.SavedModel
) -> decisions.MatrixStrategy | None:
    """The matrix strategy bound to ``saved`` (its PD gives the model grade). None while the edited matrix is
    invalid (the error is shown)."""
    st.caption(text.t("matrix.help"))
    lang = text.lang()
    sets = decisions.list_rule_sets(con, ctx.table)
    choices = ["", *dict.fromkeys(sets.loc[sets["kind"] == "matrix", "name"])]
    starter = text.t("matrix.starter")
    top = st.columns(2)
    choice = top[0].selectbox(
        text.t("matrix.saved"),
        choices,
        key=session.widget("ev_matrix_choice", options=choices),
        format_func=lambda name: name or starter,
    )
    names = datasets.column_labels(con, ctx.table)[text.lang()]  # display names in the session's language

    def named(column: str) -> str:
        return names.get(column, column)

    if choice:
        draft = decisions.load_rule_set(con, choice).source
        top[1].caption(text.t("matrix.saved_column", column=named(draft.officer_column)))
    else:
        columns = _officer_columns(ctx)
        if not columns:
            st.info(text.t("matrix.no_text_column"))
            return None
        column = top[1].selectbox(
            text.t("matrix.officer_column"),
            columns,
            format_func=named,
            key=session.widget("ev_matrix_column", options=columns),
        )
        draft = widgets.attempt(cache.data, decisions.starter_matrix, con, ctx, column)
        if draft is None:
            return None
    officer = draft.officer_grades
    picker = st.column_config.SelectboxColumn
    decisions_label = text.labels("decisions.label")  # approve / reject in the user's language
    config = {
        "grade": core.column_label("grade", lang),
        "pd_from": st.column_config.NumberColumn(
            text.t("matrix.pd_from"), min_value=0.0, max_value=0.999, format="percent"
        ),
        **{
            grade: picker(grade, options=list(decisions.DECISIONS), required=True, format_func=decisions_label)
            for grade in officer
        },
    }
    version = session.get("ev_matrix_ver")
    edited = st.data_editor(
        decisions.to_frame(draft),
        key=session.widget("ev_matrix_grid", choice, draft.officer_column, version),
        num_rows="dynamic",
        hide_index=True,
        column_config=config,
    )
    st.caption(text.t("matrix.grid_help", column=named(draft.officer_column)))
    strategy = widgets.attempt(decisions.from_frame, edited, draft.officer_column, officer)
    bound = strategy and widgets.attempt(decisions.bind, strategy, saved)
    checked = bound and widgets.attempt(decisions.reject_sql, con, ctx, bound)
    name_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
    name = name_column.text_input(
        text.t("expert.name"), key=session.widget("ev_matrix_name", default=choice or text.t("matrix.default_name"))
    ).strip()
    save = button_column.button(
        text.t("expert.save"), key=session.widget("ev_matrix_save"), type="primary", disabled=checked is None
    )
    if save and checked is not None:
        saved_version = widgets.attempt(decisions.save_rule_set, con, name, bound, ctx)
        if saved_version:
            session.set_widget("ev_matrix_choice", value=name)
            session.put("ev_matrix_ver", version + 1)
            session.put("flash", text.t("expert.saved", name=name, version=saved_version))
            st.rerun()
    return bound if checked is not None else None
