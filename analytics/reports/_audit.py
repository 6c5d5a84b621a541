"""The audit trail: every save, replacement and deletion the catalog recorded (``store.audit``), filtered and
written in the reader's words, and as CSV."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pandas as pd

from analytics import core

# What each audited action did to what kind of object (``audit.verb.<verb>``, ``audit.object.<kind>``).
ACTIONS = {
    "save_model": ("saved", "model"),
    "delete_model": ("deleted", "model"),
    "save_binning": ("saved", "binning"),
    "delete_binning": ("deleted", "binning"),
    "save_rule_set": ("saved", "rule_set"),
    "save_roles": ("saved", "roles"),
    "save_column_labels": ("saved", "column_labels"),
    "save_default_definition": ("saved", "default_definition"),
    "save_portfolio_thresholds": ("saved", "thresholds"),
    "save_provision_settings": ("saved", "provision_settings"),
}
AUDIT_COLUMNS = ("saved_at", "action", "object_kind", "object", "table", "detail")
NAME_FIELDS = ("name", "factor", "table")  # the detail field that names the object, first found


def _object_name(detail: dict) -> str:
    for field in NAME_FIELDS:
        if detail.get(field) not in (None, ""):
            return str(detail[field])
    return ""


def _detail_text(detail: dict, lang: str) -> str:
    """The recorded details but the name, each field named as its column reads in ``lang``."""
    return ", ".join(f"{core.column_label(k, lang)}={v}" for k, v in detail.items() if v is not None and k != "name")


def _action_text(action: str, lang: str) -> tuple[str, str]:
    verb, kind = ACTIONS.get(action, (None, None))
    if verb is None:
        return action, ""
    return core.t(f"audit.verb.{verb}", lang), core.t(f"audit.object.{kind}", lang)


def audit_trail(
    con: duckdb.DuckDBPyConnection,
    *,
    actions: tuple[str, ...] | list[str] = (),
    object_name: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """The audit rows, newest first: saved_at, action (in ``lang``), object_kind, object (the model, binning,
    rule set ... it names), table, detail, and action_key (the recorded action). Filters: ``actions`` (recorded
    action keys), ``object_name`` (exact, case-insensitive), ``start``/``end`` (dates, both included)."""
    if start is not None and end is not None and start > end:
        raise core.RiskLabError("audit.bad_range", start=start, end=end)
    chosen = list(actions)
    rows = con.execute(
        "SELECT saved_at, action, table_name, detail FROM risklab_catalog.audit "
        "WHERE (? OR list_contains(?, action)) "
        "AND (CAST(? AS DATE) IS NULL OR saved_at >= CAST(? AS DATE)) "
        "AND (CAST(? AS DATE) IS NULL OR saved_at < CAST(? AS DATE) + INTERVAL 1 DAY) "
        "ORDER BY id DESC",
        [not chosen, chosen, start, start, end, end],
    ).fetchall()
    records = []
    for saved_at, action, table, detail_json in rows:
        detail = json.loads(detail_json or "{}")
        detail = detail if isinstance(detail, dict) else {"value": detail}
        name = _object_name(detail) or (table or "")
        if object_name and name.casefold() != object_name.strip().casefold():
            continue
        verb, kind = _action_text(action, lang)
        records.append(
            {
                "saved_at": saved_at,
                "action": verb,
                "object_kind": kind,
                "object": name,
                "table": table or "",
                "detail": _detail_text(detail, lang),
                "action_key": action,
            }
        )
    return pd.DataFrame(records, columns=[*AUDIT_COLUMNS, "action_key"])


def audit_actions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The recorded action keys present in the audit, most frequent first."""
    rows = con.execute(
        "SELECT action FROM risklab_catalog.audit GROUP BY action ORDER BY count(*) DESC, action"
    ).fetchall()
    return [r[0] for r in rows]


def audit_csv(trail: pd.DataFrame, lang: str = "en") -> bytes:
    """The trail as CSV (UTF-8 with a byte-order mark, so Excel reads Chinese), headers in ``lang``."""
    frame = trail.drop(columns=["action_key"], errors="ignore")
    frame = frame.rename(columns={c: core.column_label(c, lang) for c in frame.columns})
    return frame.to_csv(index=False).encode("utf-8-sig")
