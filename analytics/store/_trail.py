"""Reading the audit trail: every sign-in, import, replacement, save, refusal and deletion the catalog recorded
(``store.record``), filtered and written in the reader's words, and as CSV. The one reader of the audit rows:
the Accounts and audit page and the model report's version history both call ``audit_trail``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import duckdb
import pandas as pd

from analytics.core import RiskLabError, column_label, t
from analytics.store._access import action_label

AUDIT_COLUMNS = ("recorded_at", "person", "role", "action", "object", "table", "result", "detail", "client")
OUTCOMES = ("done", "refused", "failed")
NAME_FIELDS = ("name", "factor", "table")  # the detail field that names the object, first found


def _object_name(detail: dict) -> str:
    for field in NAME_FIELDS:
        if detail.get(field) not in (None, ""):
            return str(detail[field])
    return ""


def _detail_text(detail: dict, lang: str) -> str:
    """The recorded details but the name, each field named as its column reads in ``lang``."""
    return ", ".join(f"{column_label(k, lang)}={v}" for k, v in detail.items() if v is not None and k != "name")


def _role_text(role: str | None, lang: str) -> str:
    """A role in words; "-" for none (a failed sign-in)."""
    return t(f"access.role.{role}", lang) if role else "-"


def audit_trail(
    con: duckdb.DuckDBPyConnection,
    *,
    person: str | None = None,
    actions: Sequence[str] = (),
    object_name: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    outcome: str | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """The audit rows, newest first, in ``lang``: recorded_at, person (who), role, action, object (the model,
    binning, table, account ... it names), table, result (done, refused, failed), detail and client (the address
    the request came from). Filters: ``person`` (exact), ``actions`` (recorded action keys, ``store.ACTIONS``),
    ``object_name`` (exact, case-insensitive), ``start``/``end`` (dates, both included), ``outcome``."""
    if start is not None and end is not None and start > end:
        raise RiskLabError("audit.bad_range", start=start, end=end)
    if outcome is not None and outcome not in OUTCOMES:
        raise RiskLabError("audit.bad_outcome", outcome=outcome, outcomes=", ".join(OUTCOMES))
    chosen = list(actions)
    rows = con.execute(
        "SELECT saved_at, person, role, action, table_name, coalesce(outcome, 'done'), detail, client "
        "FROM risklab_catalog.audit "
        "WHERE (CAST(? AS VARCHAR) IS NULL OR person = ?) "
        "AND (? OR list_contains(?, action)) "
        "AND (CAST(? AS VARCHAR) IS NULL OR coalesce(outcome, 'done') = ?) "
        "AND (CAST(? AS DATE) IS NULL OR saved_at >= CAST(? AS DATE)) "
        "AND (CAST(? AS DATE) IS NULL OR saved_at < CAST(? AS DATE) + INTERVAL 1 DAY) "
        "ORDER BY id DESC",
        [person, person, not chosen, chosen, outcome, outcome, start, start, end, end],
    ).fetchall()
    wanted = object_name.strip().casefold() if object_name and object_name.strip() else None
    records = []
    for recorded_at, who, role, action, table, result, detail_json, client in rows:
        detail = json.loads(detail_json or "{}")
        detail = detail if isinstance(detail, dict) else {"value": detail}
        name = _object_name(detail) or (table or "")
        if wanted is not None and name.casefold() != wanted:
            continue
        records.append(
            {
                "recorded_at": recorded_at,
                "person": who or "-",
                "role": _role_text(role, lang),
                "action": action_label(action, lang),
                "object": name,
                "table": table or "",
                "result": t(f"access.outcome.{result}", lang),
                "detail": _detail_text(detail, lang),
                "client": client or "",
            }
        )
    return pd.DataFrame(records, columns=list(AUDIT_COLUMNS))


def audit_csv(trail: pd.DataFrame, lang: str = "en") -> bytes:
    """The trail as CSV (UTF-8 with a byte-order mark, so Excel reads Chinese), headers in ``lang``."""
    frame = trail.rename(columns={c: column_label(c, lang) for c in trail.columns})
    return frame.to_csv(index=False).encode("utf-8-sig")
