"""Who is acting, and what their role lets them save: the one permission check every write goes through.

The app (per script run) and the command line set the acting person with ``act_as``; nothing else carries it.
``store.audit`` and ``store.record_import``, which every saving function calls inside its transaction, ask
``refusal`` before they write, so a role that may not save something is refused by the analytics functions
themselves, whoever calls them, and the transaction leaves no change.

Without ``act_as`` the person is the machine's own user with every right: the command line, scripts and the app
in single-user mode (loopback only, no sign-in) work as they always did.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import getpass
import os
from collections.abc import Iterator

from analytics.core import RiskLabError, t


@dataclasses.dataclass(frozen=True)
class Role:
    """A role: the kinds of things it may save (``may``) and whether it reads every table (the SQL console,
    the tables picker) or only those a trainer opened to trainees."""

    key: str
    may: frozenset[str]
    reads_every_table: bool = True


ROLES: tuple[Role, ...] = (
    Role("admin", frozenset({"users", "settings", "deletes", "data", "factors", "models", "rule_sets", "quiz"})),
    Role("risk_manager", frozenset({"data", "factors", "models", "rule_sets"})),
    Role("executive", frozenset()),
    Role("trainer", frozenset({"rule_sets", "quiz"})),
    Role("trainee", frozenset(), reads_every_table=False),
)
ROLE_BY_KEY = {role.key: role for role in ROLES}

# What each audited action needs. An action not listed needs ``OTHER_SAVES`` (a save another part of the product
# adds later is the risk manager's and the admin's until it is listed); ``delete_*`` needs "deletes".
ACTIONS: dict[str, str | None] = {
    "import_table": "data",
    "replace_table": "data",
    "append_table": "data",
    "save_roles": "data",
    "save_column_labels": "data",
    "save_default_definition": "data",
    "save_binning": "factors",
    "save_model": "models",
    "save_rule_set": "rule_sets",
    "save_provision_settings": "settings",
    "save_portfolio_thresholds": "settings",
    "delete_model": "deletes",
    "delete_binning": "deletes",
    "add_user": "users",
    "disable_user": "users",
    "change_password": "users",
    "open_quiz_table": "quiz",
    "close_quiz_table": "quiz",
    # what anyone's session records about itself
    "sign_in": None,
    "sign_in_failed": None,
    "sign_out": None,
    "session_expired": None,
}
OTHER_SAVES = "models"


@dataclasses.dataclass(frozen=True)
class Person:
    """Who acts: a name (an account, an e-mail from single sign-on, the machine's user), a role key, the client
    address the request came from, and how they signed in (``local``, ``password``, ``sso``, ``system``)."""

    name: str
    role: str | None
    client: str | None = None
    via: str = "local"

    @property
    def signed_in(self) -> bool:
        return self.role is not None


def _machine_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


LOCAL = Person(_machine_user(), "admin", via="local")
SYSTEM = Person("system", "admin", via="system")  # the app building its own sample on first start
NOBODY = Person("", None, via="signed_out")  # a shared app's browser before sign-in: may save nothing

_acting: contextvars.ContextVar[Person | None] = contextvars.ContextVar("risklab_acting_person", default=None)


def acting() -> Person:
    """The person the current request acts for: the one ``act_as`` set, else ``LOCAL`` (the command line, a
    single-user app), or ``NOBODY`` when ``RISKLAB_SHARED`` is on (a request nobody vouched for saves nothing)."""
    person = _acting.get()
    if person is not None:
        return person
    return NOBODY if shared_mode() else LOCAL


def act_as(person: Person | None) -> None:
    """Make ``person`` the acting person of this thread's requests (app.py, at the start of every run; None: the
    default of ``acting``)."""
    _acting.set(person)


@contextlib.contextmanager
def acting_as(person: Person) -> Iterator[Person]:
    """Act as ``person`` inside the ``with`` block only."""
    token = _acting.set(person)
    try:
        yield person
    finally:
        _acting.reset(token)


def needed(action: str) -> str | None:
    """The permission ``action`` needs (None: anyone may record it)."""
    if action in ACTIONS:
        return ACTIONS[action]
    return "deletes" if action.startswith("delete_") else OTHER_SAVES


def allowed(action: str, person: Person | None = None) -> bool:
    """Whether ``person`` (default: the acting one) may do ``action``."""
    person = person or acting()
    permission = needed(action)
    if permission is None:
        return True
    role = ROLE_BY_KEY.get(person.role or "")
    return role is not None and permission in role.may


def reads_every_table(person: Person | None = None) -> bool:
    """Whether ``person`` reads every table (and so may use the SQL console)."""
    role = ROLE_BY_KEY.get((person or acting()).role or "")
    return role is not None and role.reads_every_table


class Refused(RiskLabError):
    """The acting person's role may not do ``action``: one sentence naming the role and the action."""

    def __init__(self, action: str, table: str | None, person: Person, detail: dict | None = None) -> None:
        super().__init__("access.refused", action=action, role=person.role or "")
        self.detail = detail or {}
        self.action = action
        self.table = table
        self.person = person

    def message(self, lang: str = "en") -> str:
        if not self.person.signed_in:
            return t("access.refused_signed_out", lang)
        role = t(f"access.role.{self.person.role}", lang)
        return t("access.refused", lang, role=role, action=action_label(self.action, lang))


def action_label(action: str, lang: str = "en") -> str:
    """An audited action in words (the action's own name when it has no translation)."""
    key = f"access.action.{action}"
    text = t(key, lang)
    return action if text == key else text


def refusal(action: str, table: str | None = None, detail: dict | None = None) -> Refused | None:
    """The refusal of ``action`` (on ``table``, saving ``detail``) for the acting person, or None when the role
    allows it."""
    person = acting()
    return None if allowed(action, person) else Refused(action, table, person, detail)


def table_closed(table: str) -> RiskLabError:
    """A trainee asked for a table no trainer opened to them."""
    return RiskLabError("access.table_closed", table=table)


def shared_mode() -> bool:
    """Whether the app is shared on a network and so asks everyone to sign in: ``RISKLAB_SHARED`` set to 1,
    true, yes or on (the app also turns it on when single sign-on is configured)."""
    return os.environ.get("RISKLAB_SHARED", "").strip().lower() in {"1", "true", "yes", "on"}


def idle_minutes() -> float:
    """Minutes without a request after which a signed-in session ends (``RISKLAB_IDLE_MINUTES``, default 30)."""
    try:
        minutes = float(os.environ.get("RISKLAB_IDLE_MINUTES", "30"))
    except ValueError:
        return 30.0
    return minutes if minutes > 0 else 30.0


def sso_default_role() -> str | None:
    """The role of a single sign-on user who has no account here (``RISKLAB_SSO_DEFAULT_ROLE``; unset: such a
    user is refused until an admin adds them)."""
    return os.environ.get("RISKLAB_SSO_DEFAULT_ROLE") or None
