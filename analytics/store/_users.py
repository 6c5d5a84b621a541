"""Accounts of a shared app: local accounts with Argon2 password hashes, single sign-on users mapped to a role,
slowed-down failed sign-ins, and the tables a trainer opens to trainees.

Accounts live in the catalog (``risklab_catalog.users``), so they travel with the database. A password is
never stored, only its Argon2id hash (argon2-cffi, with its default cost parameters, which it raises as hardware
gets faster; ``check_needs_rehash`` updates an old hash at the next sign-in).
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Callable

import duckdb
import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from analytics.core import RiskLabError
from analytics.store._access import ROLE_BY_KEY, ROLES, Person, acting
from analytics.store._database import audit, is_read_only, permit, record, require_table, transaction

MIN_PASSWORD = 8
_NAME = re.compile(r"^[^\s\x00-\x1f\x7f]{1,120}$")
_HASHER = PasswordHasher()
# verified when the account does not exist, so an unknown name takes as long as a wrong password
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


def check_role(role: str) -> str:
    """``role`` if it is one of the roles, else a clear refusal naming them."""
    if role not in ROLE_BY_KEY:
        raise RiskLabError("access.bad_role", role=role, roles=", ".join(r.key for r in ROLES))
    return role


def _check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise RiskLabError("access.bad_name", name=name)
    return name


def _check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise RiskLabError("access.short_password", length=MIN_PASSWORD)
    return password


def add_user(
    con: duckdb.DuckDBPyConnection, name: str, role: str, password: str | None = None, *, sso: bool = False
) -> None:
    """Add an account: a local one with ``password`` (hashed with Argon2), or with ``sso`` one that signs in
    through the institution's OpenID Connect provider under that name (its e-mail) and gets ``role`` here."""
    _check_name(name)
    check_role(role)
    hashed = None if sso else _HASHER.hash(_check_password(password or ""))
    with transaction(con):
        if con.execute("SELECT 1 FROM risklab_catalog.users WHERE name = ?", [name]).fetchall():
            raise RiskLabError("access.user_exists", name=name)
        con.execute(
            "INSERT INTO risklab_catalog.users (name, role, password_hash, sso) VALUES (?, ?, ?, ?)",
            [name, role, hashed, sso],
        )
        audit(con, "add_user", None, name=name, role=role, sso=sso)


def list_users(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every account: name, role, how it signs in (``password`` or ``sso``), disabled, created and changed at.
    Never the hashes."""
    return con.execute(
        "SELECT name, role, CASE WHEN sso THEN 'sso' ELSE 'password' END AS sign_in, disabled, created_at, "
        "changed_at FROM risklab_catalog.users ORDER BY name"
    ).df()


def _require_user(con: duckdb.DuckDBPyConnection, name: str) -> tuple:
    rows = con.execute(
        "SELECT name, role, password_hash, sso, disabled FROM risklab_catalog.users WHERE name = ?", [name]
    ).fetchall()
    if not rows:
        raise RiskLabError("access.no_user", name=name)
    return rows[0]


def disable_user(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Stop an account from signing in (its audit rows stay; an admin can add it again under another name)."""
    with transaction(con):
        _require_user(con, name)
        con.execute(
            "UPDATE risklab_catalog.users SET disabled = true, changed_at = current_timestamp WHERE name = ?", [name]
        )
        audit(con, "disable_user", None, name=name)


def set_password(con: duckdb.DuckDBPyConnection, name: str, password: str) -> None:
    """Give a local account a new password."""
    hashed = _HASHER.hash(_check_password(password))
    with transaction(con):
        if _require_user(con, name)[3]:
            raise RiskLabError("access.sso_no_password", name=name)
        con.execute(
            "UPDATE risklab_catalog.users SET password_hash = ?, changed_at = current_timestamp WHERE name = ?",
            [hashed, name],
        )
        audit(con, "change_password", None, name=name)


@dataclasses.dataclass
class _Failures:
    count: int = 0
    last: float = 0.0


class Throttle:
    """Failed sign-ins slow the next attempt, per account and per client address.

    The first ``free`` failures cost nothing; after that each attempt waits ``base * 2 ** (failures - free)``
    seconds (at most ``longest``) counted from the last failure. Failures are forgotten after ``forget_after``
    quiet seconds or a successful sign-in. One object per server process (the app keeps it for every session).
    """

    def __init__(
        self,
        free: int = 3,
        base: float = 1.0,
        longest: float = 30.0,
        forget_after: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.free = free
        self.base = base
        self.longest = longest
        self.forget_after = forget_after
        self.clock = clock
        self.sleep = sleep
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def delay(self, failures: int) -> float:
        """Seconds the attempt after ``failures`` failures waits."""
        if failures < self.free:
            return 0.0
        return min(self.base * 2 ** (failures - self.free), self.longest)

    def wait(self, keys: list[str]) -> float:
        """Seconds to wait before the next attempt on any of ``keys``."""
        now = self.clock()
        longest = 0.0
        with self._lock:
            for key in keys:
                seen = self._failures.get(key)
                if seen is None or now - seen.last > self.forget_after:
                    continue
                longest = max(longest, seen.last + self.delay(seen.count) - now)
        return longest

    def failed(self, keys: list[str]) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                seen = self._failures.get(key)
                if seen is None or now - seen.last > self.forget_after:
                    seen = self._failures[key] = _Failures()
                seen.count += 1
                seen.last = now

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


def _keys(name: str, client: str | None) -> list[str]:
    return [f"account:{name}", f"client:{client or 'unknown'}"]


def sign_in(con: duckdb.DuckDBPyConnection, name: str, password: str, client: str | None, throttle: Throttle) -> Person:
    """The person of account ``name`` when ``password`` is right; else one sentence that never says which of the
    name or the password was wrong. A failure is recorded in the audit and slows the next attempt (``throttle``)."""
    keys = _keys(name, client)
    waited = throttle.wait(keys)
    if waited > 0:
        throttle.sleep(waited)
    rows = con.execute(
        "SELECT role, password_hash, sso, disabled FROM risklab_catalog.users WHERE name = ?", [name]
    ).fetchall()
    role, hashed, sso, disabled = rows[0] if rows else (None, None, False, False)
    password_right = _verify(hashed or _DUMMY_HASH, password)  # verified even for no account: the same time
    reason = _refusal_reason(bool(rows), password_right, sso, disabled)
    if reason is not None:
        throttle.failed(keys)
        _record_sign_in(con, "sign_in_failed", Person(name, None, client, "password"), "failed", reason=reason)
        raise RiskLabError("access.bad_sign_in")
    throttle.succeeded(keys)
    person = Person(name, role, client, "password")
    if _HASHER.check_needs_rehash(hashed) and not is_read_only(con):
        con.execute("UPDATE risklab_catalog.users SET password_hash = ? WHERE name = ?", [_HASHER.hash(password), name])
    _record_sign_in(con, "sign_in", person, "done")
    return person


def _refusal_reason(exists: bool, password_right: bool, sso: bool, disabled: bool) -> str | None:
    """Why a password sign-in fails (for the audit; the user reads one sentence for all), None when it does not."""
    if not exists:
        return "no_account"
    if disabled:
        return "disabled"
    if sso:
        return "sso_account"
    return None if password_right else "password"


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password or "")
    except (VerificationError, InvalidHashError):
        return False


def _record_sign_in(con: duckdb.DuckDBPyConnection, action: str, person: Person, outcome: str, **detail: object):
    if not is_read_only(con):
        record(con, action, None, person, outcome, detail)


def sso_person(
    con: duckdb.DuckDBPyConnection, email: str | None, client: str | None, default_role: str | None = None
) -> Person:
    """The person an OpenID Connect sign-in stands for: the role of the account named by the e-mail the provider
    vouched for (``users add EMAIL --role ROLE --sso``), else ``default_role`` when the institution set one; an
    e-mail with neither, or a disabled account, is refused (and recorded)."""
    email = (email or "").strip()
    rows = con.execute(
        "SELECT role, disabled FROM risklab_catalog.users WHERE lower(name) = lower(?)", [email]
    ).fetchall()
    role = rows[0][0] if rows and not rows[0][1] else None
    if not rows and default_role:
        role = check_role(default_role)
    if not email or role is None:
        reason = "disabled" if rows else "no_account"
        _record_sign_in(con, "sign_in_failed", Person(email, None, client, "sso"), "failed", reason=reason)
        raise RiskLabError("access.sso_unknown", email=email or "?")
    person = Person(email, role, client, "sso")
    _record_sign_in(con, "sign_in", person, "done")
    return person


def record_sign_out(con: duckdb.DuckDBPyConnection, person: Person, expired: bool = False) -> None:
    """Note in the audit that ``person`` signed out, or that their session ended after the idle time."""
    _record_sign_in(con, "session_expired" if expired else "sign_out", person, "done")


def open_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Open ``table`` to trainees for the quiz (a trainer's or admin's quiz set-up)."""
    permit(con, "open_quiz_table", table)
    require_table(con, table)
    with transaction(con):
        con.execute("DELETE FROM risklab_catalog.quiz_tables WHERE table_name = ?", [table])
        con.execute(
            "INSERT INTO risklab_catalog.quiz_tables (table_name, opened_by) VALUES (?, ?)", [table, acting().name]
        )
        audit(con, "open_quiz_table", table)


def close_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Close ``table`` to trainees again."""
    with transaction(con):
        con.execute("DELETE FROM risklab_catalog.quiz_tables WHERE table_name = ?", [table])
        audit(con, "close_quiz_table", table)
