"""Session state: every key the app keeps, declared once, and the one way a value survives a page switch.

Two sorts of keys live in ``st.session_state``:

- values (``Key(widget=False)``) that pages set and read: the language, the active table, the model picked
  for the pages that score loans, a fitted model. Read them with ``get``, write them with ``put``.
- widget keys (``Key(widget=True)``), always made by ``widget(name, *parts)``. A widget declared with
  ``survives=True`` keeps its value when the user opens another page and comes back: Streamlit forgets the
  state of widgets that were not drawn, so ``keep_widgets`` (app.py, every run) copies their values aside and
  ``widget`` puts them back. Such a widget gets its default through ``widget(..., default=)``, never through
  ``value=``/``index=``/``default=`` of its own (Streamlit warns when both set it).

``set_widget`` is the one way to change a widget from code: the value is applied the next time ``widget`` makes
that key, before the widget is drawn. A widget that shows a shared value (the PD cutoff, the factors chosen for
a model) takes its key and ``on_change`` from ``bound`` instead: it starts every run from the value and writes it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st


@dataclasses.dataclass(frozen=True)
class Key:
    """A session key: its name, default, the page that owns it ("app" for the shell), whether it survives a
    page switch, and whether it is a widget's key (widget keys may take ``parts``: one widget per factor ...)."""

    name: str
    owner: str
    default: Any = None
    survives: bool = False
    widget: bool = True


def _keys(owner: str, *names: str, survives: bool = False, widget: bool = True) -> list[Key]:
    return [Key(name, owner, survives=survives, widget=widget) for name in names]


KEYS: dict[str, Key] = {
    key.name: key
    for key in (
        # values shared by pages
        Key("lang", "app", "en", survives=True, widget=False),
        Key("table", "app", None, survives=True, widget=False),
        Key("chosen_model", "app", None, survives=True, widget=False),
        Key("model_factors", "risk_factors", (), survives=True, widget=False),
        Key("expert_source", "expert_vs_model", None, survives=True, widget=False),
        Key("cutoff_pd", "expert_vs_model", 0.15, survives=True, widget=False),
        Key("whatif_loan", "expert_vs_model", None, widget=False),
        Key("flash", "app", None, widget=False),
        Key("framed", "app", False, widget=False),
        Key("kept", "app", None, widget=False),
        Key("pending", "app", None, widget=False),
        Key("person", "app", None, widget=False),  # who signed in (a shared app), ui/auth.py
        Key("acting", "app", None, widget=False),  # who the last run of app.py acted for
        Key("last_seen", "app", None, widget=False),
        Key("signed_out_note", "app", None, widget=False),
        # values of one page
        Key("sql_result", "data", None, survives=True, widget=False),
        Key("model_fitted", "model", None, survives=True, widget=False),
        Key("model_stepwise", "model", None, survives=True, widget=False),
        Key("model_opened", "model", None, survives=True, widget=False),
        Key("model_saved_as", "model", None, survives=True, widget=False),
        Key("ri_result", "model", None, survives=True, widget=False),  # reject inference: (spec, comparison)
        Key("seg_comparison", "model", None, survives=True, widget=False),
        Key("ev_draft", "expert_vs_model", None, survives=True, widget=False),
        Key("ev_draft_of", "expert_vs_model", None, survives=True, widget=False),
        Key("ev_ver", "expert_vs_model", 0, survives=True, widget=False),
        Key("wi_base", "what_if", None, survives=True, widget=False),
        Key("quiz_answers", "what_if", (), survives=True, widget=False),
        Key("quiz_revealed", "what_if", False, survives=True, widget=False),
        Key("mon_challenger", "monitoring", None, survives=True, widget=False),
        # widgets of the shell
        *_keys("app", "lang_choice", "table_choice"),
        *_keys("app", "signin_form", "signin_name", "signin_password", "sso_login", "sign_out"),
        # Accounts and audit
        *_keys("access", "audit_person", "audit_actions", "audit_object", "audit_dates", survives=True),
        *_keys("access", "audit_csv", "quiz_pick", "quiz_save"),
        # Data
        *_keys("data", "enc", "delim", "sheet", "name", "replace", "import", "shipped_pick", "import_shipped"),
        *_keys("data", "shipped_replace", "append"),
        *_keys("data", "roles", "save_roles", "kind", "defcol", "defval", "defdpd", "deflab", "save_default"),
        *_keys("data", "sql_text", survives=True),
        *_keys("data", "run_sql", "dl"),
        # Risk factors
        *_keys("risk_factors", "factors_booked", "bin_factor", "bin_method", "bin_saved", "bin_n", survives=True),
        *_keys("risk_factors", "stab_kind", "stab_fraction", "stab_factor", "corr_factors", survives=True),
        *_keys("risk_factors", "factors_codes", "sel_missing", "sel_iv", "sel_top", "sel_corr", survives=True),
        *_keys("risk_factors", "factors_pick", "bin_groups", "bin_cuts", "bin_name", "bin_save", "sel_use"),
        *_keys("risk_factors", "group_base", "group_peer", survives=True),  # the group lending tab
        *_keys("risk_factors", "group_save"),
        # Portfolio
        *_keys("portfolio", "pf_as_of", "pf_period", "pf_filter", "pf_cohort", "pf_curve", "pf_window", survives=True),
        *_keys("portfolio", "pf_dimension", "pf_measure", "pf_ll_dimension", survives=True),
        *_keys("portfolio", "pf_thr", "pf_save_thresholds", "pf_switch", "pf_excel", "pf_html"),
        *_keys("portfolio", "pf_prov_dimension", "pf_ecl_model", "pf_mig_from", "pf_mig_to", survives=True),
        *_keys("portfolio", "pf_prov_rate", "pf_prov_general", "pf_prov_min", "pf_prov_lgd", "pf_prov_ecl"),
        *_keys("portfolio", "pf_prov_save"),
        # Model
        *_keys("model", "model_pick", "model_treat", "model_ref", "model_bin", "model_holdout", survives=True),
        *_keys("model", "model_fraction", "model_seed", "model_split", "model_booked", survives=True),
        *_keys("model", "model_base_score", "model_base_odds", "model_pdo", "model_name", survives=True),
        *_keys("model", "model_sw_direction", "model_sw_criterion", "model_compare", survives=True),
        *_keys("model", "model_fit", "model_sw_run", "model_sw_use", "model_save", "model_delete_pick"),
        *_keys("model", "model_delete", "model_download", "model_open"),
        *_keys("model", "model_open_name", "model_open_version", survives=True),
        *_keys("model", "report_version", "report_format", survives=True),
        *_keys("model", "report_download"),
        *_keys("model", "ri_factor", "ri_cutoff", survives=True),
        *_keys("model", "ri_run"),
        *_keys("model", "seg_column", "seg_name", survives=True),
        *_keys("model", "seg_fit", "seg_save"),
        # Expert vs model
        *_keys("expert_vs_model", "ev_model", "ev_kind", "ev_outcome", "ev_rec_column", "ev_min", survives=True),
        *_keys("expert_vs_model", "ev_approve", "ev_rules_choice", "ev_filter", "ev_period", survives=True),
        *_keys("expert_vs_model", "ev_lgd", "ev_margin", "ev_exposure", "ev_cut_kind", "ev_by", survives=True),
        *_keys("expert_vs_model", "ev_cut_pd", "ev_cut_score", "ev_cut_rate", "ev_cell"),
        *_keys("expert_vs_model", "ev_knock", "ev_points", "ev_grades", "ev_threshold", "ev_add_join"),
        *_keys("expert_vs_model", "ev_add_column", "ev_add_op", "ev_add_value", "ev_add", "ev_rules_name"),
        *_keys("expert_vs_model", "ev_save", "ev_curve", "ev_pick_loan", "ev_to_whatif"),
        *_keys("expert_vs_model", "ev_price_cost", "ev_price_by", survives=True),
        *_keys("expert_vs_model", "ev_band", "ev_minutes_file", "ev_minutes_day", survives=True),  # review zones
        *_keys("expert_vs_model", "ev_matrix_choice", "ev_matrix_column", survives=True),  # the matrix strategy
        *_keys("expert_vs_model", "ev_matrix_grid", "ev_matrix_name", "ev_matrix_save"),
        Key("ev_matrix_ver", "expert_vs_model", 0, survives=True, widget=False),
        *_keys("expert_vs_model", "ev_set", "ev_set_column", survives=True),
        # Monitoring
        *_keys("monitoring", "mon_model", "mon_period", "mon_as_of", "mon_window", "mon_cutoff", survives=True),
        *_keys("monitoring", "mon_yellow", "mon_red", "mon_grade_period", survives=True),
        *_keys("monitoring", "mon_ch_kind", "mon_ch_from", "mon_ch_reason", survives=True),
        *_keys("monitoring", "mon_ch_run", "mon_ch_save"),
        # What-if and training
        *_keys("what_if", "wi_model", "wi_start", "wi_loan", "wi_f", "wi_unit", "quiz_seed", survives=True),
        *_keys("what_if", "wi_set", "wi_set_column", survives=True),
        *_keys("what_if", "wi_cutoff", "quiz_approve", "quiz_reject", "quiz_next", "quiz_restart", "quiz_download"),
    )
}


def _declared(name: str, widget: bool) -> Key:
    key = KEYS.get(name)
    if key is None or key.widget != widget:
        sort = "widget" if widget else "value"
        raise KeyError(f"session {sort} key {name!r} is not declared in ui.session.KEYS")
    return key


def _fresh(default: Any) -> Any:
    """A new copy of a mutable default (each session gets its own list or dict)."""
    return list(default) if isinstance(default, tuple) else default


def get(name: str) -> Any:
    """The value ``name`` (its declared default while unset)."""
    key = _declared(name, widget=False)
    if name not in st.session_state:
        st.session_state[name] = _fresh(key.default)
    return st.session_state[name]


def put(name: str, value: Any) -> None:
    """Set the value ``name``."""
    _declared(name, widget=False)
    st.session_state[name] = value


def pop(name: str) -> Any:
    """The value ``name``, removed (the declared default when it was unset)."""
    key = _declared(name, widget=False)
    return st.session_state.pop(name, _fresh(key.default))


def widget_key(name: str, *parts: object) -> str:
    """The session key of widget ``name`` (and its ``parts``: ``model_treat_debt_ratio``)."""
    _declared(name, widget=True)
    return "_".join([name, *map(str, parts)])


def widget(name: str, *parts: object, default: Any = None, options: Any = None) -> str:
    """The key for a widget, with its value set before the widget is drawn: a value asked for by
    ``set_widget``, else (for a widget that survives page switches) the value it had, else ``default``.
    A value no longer among ``options`` falls back to ``default``. A widget with a default or one that survives
    is sent its value on every run, as ``bound`` does."""
    key = widget_key(name, *parts)
    pending = st.session_state.setdefault("pending", {})
    kept = st.session_state.setdefault("kept", {})
    if key in pending:
        st.session_state[key] = pending.pop(key)
    elif key not in st.session_state:
        if KEYS[name].survives and key in kept:
            st.session_state[key] = kept[key]
        elif default is not None:
            st.session_state[key] = default
    if options is not None and key in st.session_state and not _offered(st.session_state[key], options):
        if default is None:
            del st.session_state[key]
        else:
            st.session_state[key] = default
    if key in st.session_state and (default is not None or KEYS[name].survives):
        # every run: the browser is told the value. A browser that lost the widget's state (a click while a rerun
        # was on its way) would otherwise show the widget's own default ("none" for the holdout) and send it back.
        st.session_state[key] = st.session_state[key]
    return key


def range_widget(name: str, *parts: object, default: tuple, options: Any = None) -> dict[str, Any]:
    """``key`` and ``value`` (pass both) for a range widget (``select_slider``, ``slider``, ``date_input``), which
    is a range only when its ``value=`` is one, so it cannot take its value from ``widget``. ``value`` is the range
    it had before a page switch (when ``name`` survives and the range is still among ``options``), else
    ``default``; while the widget is drawn, Streamlit keeps its own state and ignores ``value``. Only a value
    asked for by ``set_widget`` goes through the Session State API."""
    key = widget_key(name, *parts)
    pending = st.session_state.setdefault("pending", {})
    kept = st.session_state.setdefault("kept", {})
    value = default
    if key in pending:
        st.session_state[key] = pending.pop(key)
    elif key not in st.session_state and KEYS[name].survives and key in kept:
        value = kept[key] if options is None or _offered(kept[key], options) else default
    return {"key": key, "value": tuple(value)}


def _offered(value: Any, options: Any) -> bool:
    """Whether ``value`` (one option, or a list or range of them) is among ``options``."""
    choices = list(options)
    values = value if isinstance(value, list | tuple) else [value]
    return all(v in choices for v in values)


def set_widget(name: str, *parts: object, value: Any) -> None:
    """Give widget ``name`` the ``value`` the next time it is drawn (after ``st.rerun()``, another page ...)."""
    key = widget_key(name, *parts)
    st.session_state.setdefault("pending", {})[key] = value
    st.session_state.setdefault("kept", {}).pop(key, None)


def bound(name: str, *parts: object, value: str, options: Any = None) -> dict[str, Any]:
    """``key`` and ``on_change`` (pass both to the widget) for widget ``name`` that shows and sets the shared
    value ``value``: the PD cutoff on every page that has one, the factors chosen for a model. The widget starts
    every run from the value (however another page changed it), and the user's change writes the value. A list
    value keeps only what ``options`` offers."""
    key = widget_key(name, *parts)
    _declared(value, widget=False)
    current = get(value)
    if options is not None and isinstance(current, list | tuple):
        current = [v for v in current if v in list(options)]
    st.session_state[key] = current  # every run: the browser shows the shared value, set from any page

    def changed() -> None:
        put(value, st.session_state[key])

    return {"key": key, "on_change": changed}


SURVIVING = tuple(key.name for key in KEYS.values() if key.widget and key.survives)


def _survives(key: str) -> bool:
    return any(key == name or key.startswith(f"{name}_") for name in SURVIVING)


def keep_widgets() -> None:
    """Copy the values of the widgets that survive page switches aside (app.py calls this on every run, before
    the page: the widgets of the page being left still hold their last values then)."""
    kept = st.session_state.setdefault("kept", {})
    for key in list(st.session_state.keys()):
        if _survives(key):
            kept[key] = st.session_state[key]
