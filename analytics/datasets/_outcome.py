"""What "default" means for a table, and China's five-category loan classification.

``FIVE_CATEGORIES`` and ``DPD_FLOORS`` are the one place that knows the categories and the days-overdue
floors; ``DEFINITION_KINDS`` pairs each kind of default definition with its SQL builder. A definition
becomes one SQL expression (1 default, 0 not, NULL unknown) that every page puts into its own scans.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable

import duckdb

from analytics import store
from analytics.core import Notice, RiskLabError
from analytics.datasets import _roles as roles_mod

# --- the five categories ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Category:
    """One of China's five loan categories: key, labels, rank (1 best .. 5 worst), non-performing or not."""

    key: str
    en: str
    zh: str
    rank: int
    non_performing: bool
    aliases: tuple[str, ...] = ()

    @property
    def label_key(self) -> str:
        """The i18n key of the category's name."""
        return f"outcome.category.{self.key}"

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every normalised spelling that means this category (key, labels, code, aliases)."""
        return tuple(dict.fromkeys(text_key(s) for s in (self.key, self.en, self.zh, self.rank, *self.aliases)))


FIVE_CATEGORIES: tuple[Category, ...] = (
    Category("normal", "Normal", "正常", 1, False, ("pass", "正常类")),
    Category("special_mention", "Special mention", "关注", 2, False, ("special-mention", "watch", "关注类")),
    Category("substandard", "Substandard", "次级", 3, True, ("sub-standard", "sub_standard", "次级类")),
    Category("doubtful", "Doubtful", "可疑", 4, True, ("可疑类",)),
    Category("loss", "Loss", "损失", 5, True, ("损失类",)),
)
NON_PERFORMING: tuple[str, ...] = tuple(c.key for c in FIVE_CATEGORIES if c.non_performing)


@dataclasses.dataclass(frozen=True)
class DpdFloor:
    """More than ``above_days`` days overdue puts a loan at least in ``category``."""

    above_days: int
    category: str


# The regulatory floors (any overdue -> special mention; > 90 -> substandard; > 270 -> doubtful; > 360 -> loss).
DPD_FLOORS: tuple[DpdFloor, ...] = (
    DpdFloor(0, "special_mention"),
    DpdFloor(90, "substandard"),
    DpdFloor(270, "doubtful"),
    DpdFloor(360, "loss"),
)

_INTEGRAL = re.compile(r"^(-?[0-9]+)\.0+$")
_INTEGRAL_SQL = r"^(-?[0-9]+)\.0+$"


def text_key(value: object) -> str:
    """A value as comparable text: trimmed, lowercase, spaces as ``_``, ``1.0`` as ``1``, True as ``true``."""
    return _INTEGRAL.sub(r"\1", str(value).strip().lower().replace(" ", "_"))


def text_key_sql(expr: str) -> str:
    """The SQL twin of ``text_key`` for an expression (any type, cast to text)."""
    return f"regexp_replace(replace(lower(trim(CAST({expr} AS VARCHAR))), ' ', '_'), '{_INTEGRAL_SQL}', '\\1')"


_SPELLINGS: dict[str, str] = {s: c.key for c in FIVE_CATEGORIES for s in c.spellings}
_CATEGORY_KEYS = tuple(c.key for c in FIVE_CATEGORIES)


def normalise_classification(label: object) -> str | None:
    """The category key of a label (``"Special mention"``, ``"关注"``, ``"次级类"``, ``3``, ``"3.0"``) or None."""
    if label is None or isinstance(label, bool) or (isinstance(label, float) and math.isnan(label)):
        return None
    return _SPELLINGS.get(text_key(label))


def classification_floor_sql(dpd_sql: str, floors: tuple[DpdFloor, ...] = DPD_FLOORS) -> str:
    """A CASE expression giving the floor category key for a days-past-due SQL expression (NULL stays NULL)."""
    whens = " ".join(
        f"WHEN ({dpd_sql}) > {int(f.above_days)} THEN '{f.category}'"
        for f in sorted(floors, key=lambda f: f.above_days, reverse=True)
    )
    return f"(CASE WHEN ({dpd_sql}) IS NULL THEN NULL {whens} ELSE '{FIVE_CATEGORIES[0].key}' END)"


# --- default definitions ------------------------------------------------------------------------------------------

DEFAULT_DPD_THRESHOLD = 90
# Values that usually mean "default" in a flag column (compared as ``text_key``).
DEFAULT_FLAG_WORDS = frozenset(
    {
        "1",
        "true",
        "t",
        "y",
        "yes",
        "bad",
        "default",
        "defaulted",
        "charged_off",
        "chgoff",
        "written_off",
        "违约",
        "是",
        "坏",
        "坏账",
        "不良",
    }
)


@dataclasses.dataclass(frozen=True)
class DefaultDefinition:
    """What default means: ``kind`` "flag" (``values``), "dpd" (``threshold``) or "classification" (``labels``).

    ``column_type`` (the column's DuckDB type, filled by ``load_definition``; not saved) lets a flag on a
    numeric or boolean column be a plain comparison instead of a text match on every row.
    """

    kind: str
    column: str
    values: tuple = ()
    threshold: int | None = None
    labels: tuple[str, ...] = NON_PERFORMING
    column_type: str | None = dataclasses.field(default=None, compare=False)

    def __post_init__(self) -> None:
        values = (self.values,) if isinstance(self.values, str) else tuple(self.values or ())
        object.__setattr__(self, "values", values)
        labels = (self.labels,) if isinstance(self.labels, str) else tuple(self.labels or ())
        labels = tuple(normalise_classification(x) or x for x in labels)
        object.__setattr__(self, "labels", tuple(dict.fromkeys(labels)))

    def params(self) -> dict:
        """The kind-specific parameters (what is saved as JSON)."""
        if self.kind == "flag":
            return {"values": list(self.values)}
        if self.kind == "dpd":
            return {"threshold": self.threshold}
        return {"labels": list(self.labels)}

    def to_dict(self) -> dict:
        """``{"kind", "column", **params}``: the inverse of ``from_dict``."""
        return {"kind": self.kind, "column": self.column, **self.params()}

    @classmethod
    def from_dict(cls, data: dict) -> DefaultDefinition:
        """Build from ``{"kind": ..., "column": ..., "values" | "threshold" | "labels": ...}``."""
        fields = {k: data[k] for k in ("values", "threshold", "labels") if data.get(k) is not None}
        return cls(kind=data.get("kind", ""), column=data.get("column", ""), **fields)


def _flag_sql(defn: DefaultDefinition) -> tuple[str, list]:
    if not defn.values:
        raise RiskLabError("outcome.no_values", column=defn.column)
    spellings = {text_key(v) for v in defn.values}
    for pair in ({"1", "true"}, {"0", "false"}):
        if spellings & pair:
            spellings |= pair
    values = sorted(spellings)
    col = store.quote_ident(defn.column)
    fast = _flag_fast_sql(col, defn.column_type, values)
    if fast is not None:
        return fast
    marks = ", ".join("?" * len(values))
    return f"(CASE WHEN {col} IS NULL THEN NULL WHEN {text_key_sql(col)} IN ({marks}) THEN 1 ELSE 0 END)", values


_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
_CANONICAL_INTEGER = re.compile(r"^(0|-?[1-9][0-9]*)$")


def _flag_fast_sql(col: str, column_type: str | None, spellings: list[str]) -> tuple[str, list] | None:
    """The flag as a plain comparison on a boolean or numeric column, equal to the text match; None otherwise.

    A number's text (``text_key``) is a canonical integer only for a whole value, so only whole spellings can
    match; a fraction, or ``nan``/``inf`` on a floating column, keeps the text match.
    """
    kind = (column_type or "").upper()
    if kind == "BOOLEAN":
        when_true, when_false = int("true" in spellings), int("false" in spellings)
        return f"(CASE WHEN {col} IS NULL THEN NULL WHEN {col} THEN {when_true} ELSE {when_false} END)", []
    floating = kind in ("FLOAT", "DOUBLE", "REAL") or kind.startswith("DECIMAL")
    if kind not in _INTEGER_TYPES and not floating:
        return None
    numbers = []
    for spelling in spellings:
        if _CANONICAL_INTEGER.match(spelling):
            if floating and abs(int(spelling)) >= 10**15:  # printed with an exponent
                return None
            numbers.append(int(spelling))
        elif floating and re.search(r"[0-9]|nan|inf", spelling):
            return None
    if not numbers:
        return f"(CASE WHEN {col} IS NULL THEN NULL ELSE 0 END)", []
    marks = ", ".join("?" * len(numbers))
    return f"(CASE WHEN {col} IS NULL THEN NULL WHEN {col} IN ({marks}) THEN 1 ELSE 0 END)", numbers


def _dpd_sql(defn: DefaultDefinition) -> tuple[str, list]:
    threshold = defn.threshold
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise RiskLabError("outcome.bad_threshold", threshold=threshold)
    col = store.quote_ident(defn.column)
    return f"(CASE WHEN {col} IS NULL THEN NULL WHEN {col} >= ? THEN 1 ELSE 0 END)", [threshold]


def _classification_sql(defn: DefaultDefinition) -> tuple[str, list]:
    if not defn.labels:
        raise RiskLabError("outcome.no_labels")
    for label in defn.labels:
        if label not in _CATEGORY_KEYS:
            raise RiskLabError("outcome.unknown_label", label=label)
    bad = [s for c in FIVE_CATEGORIES if c.key in defn.labels for s in c.spellings]
    good = [s for c in FIVE_CATEGORIES if c.key not in defn.labels for s in c.spellings]
    col = store.quote_ident(defn.column)
    label = text_key_sql(col)
    sql = f"(CASE WHEN {col} IS NULL THEN NULL WHEN {label} IN ({', '.join('?' * len(bad))}) THEN 1 "
    if good:
        sql += f"WHEN {label} IN ({', '.join('?' * len(good))}) THEN 0 "
    return sql + "ELSE NULL END)", bad + good


@dataclasses.dataclass(frozen=True)
class DefinitionKind:
    """A kind of default definition: key, i18n label and SQL builder."""

    key: str
    label_key: str
    build: Callable[[DefaultDefinition], tuple[str, list]]


DEFINITION_KINDS: tuple[DefinitionKind, ...] = (
    DefinitionKind("flag", "outcome.flag", _flag_sql),
    DefinitionKind("dpd", "outcome.dpd", _dpd_sql),
    DefinitionKind("classification", "outcome.classification", _classification_sql),
)
_KINDS = {k.key: k for k in DEFINITION_KINDS}


def default_sql(defn: DefaultDefinition) -> tuple[str, list]:
    """An SQL expression over the table's columns giving 1 (default), 0, or NULL (unknown), with its parameters.

    Flag values are compared as text (``1``, ``"1"``, ``1.0`` and ``true`` alike; ``"Y"`` as ``"y"``);
    classification labels are matched in English, Chinese or as codes 1-5; unrecognised labels are unknown.
    """
    if defn.kind not in _KINDS:
        raise RiskLabError("outcome.unknown_kind", kind=defn.kind)
    if not defn.column:
        raise RiskLabError("outcome.no_column")
    return _KINDS[defn.kind].build(defn)


def _top_values(con: duckdb.DuckDBPyConnection, table: str, column: str, limit: int = 5) -> str:
    rows = con.execute(
        f"SELECT CAST({store.quote_ident(column)} AS VARCHAR) AS v, count(*) AS n FROM {store.quote_ident(table)} "
        "WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT ?",
        [limit],
    ).fetchall()
    return ", ".join(r[0] for r in rows)


def save_definition(con: duckdb.DuckDBPyConnection, table: str, defn: DefaultDefinition) -> None:
    """Check ``defn`` against the table's data and save it as the table's default definition (audited)."""
    expr, params = default_sql(defn)
    types = dict(store.table_columns(con, table))
    if defn.column not in types:
        raise RiskLabError("error.no_column", table=table, column=defn.column)
    if defn.kind == "dpd" and not roles_mod.is_numeric(types[defn.column]):
        raise RiskLabError("outcome.dpd_not_numeric", column=defn.column, type=types[defn.column])
    col = store.quote_ident(defn.column)
    filled, known, defaults = con.execute(
        f"SELECT count({col}), count(d), coalesce(sum(d), 0) FROM (SELECT {col}, {expr} AS d "
        f"FROM {store.quote_ident(table)})",
        params,
    ).fetchall()[0]
    if filled == 0:
        raise RiskLabError("outcome.column_empty", column=defn.column)
    if defn.kind == "flag" and defaults == 0:
        raise RiskLabError(
            "outcome.values_not_found",
            column=defn.column,
            values=", ".join(map(str, defn.values)),
            found=_top_values(con, table, defn.column),
        )
    if defn.kind == "classification" and known == 0:
        raise RiskLabError("outcome.labels_not_found", column=defn.column, found=_top_values(con, table, defn.column))
    with store.transaction(con):
        con.execute("DELETE FROM risklab_catalog.default_definitions WHERE table_name = ?", [table])
        con.execute(
            "INSERT INTO risklab_catalog.default_definitions (table_name, kind, column_name, params) "
            "VALUES (?, ?, ?, ?)",
            [table, defn.kind, defn.column, json.dumps(defn.params(), ensure_ascii=False, default=str)],
        )
        store.audit(con, "save_default_definition", table, **defn.to_dict())


def saved_definition(con: duckdb.DuckDBPyConnection, table: str) -> DefaultDefinition | None:
    """The saved default definition of ``table`` as saved (without its column's type), or None."""
    rows = con.execute(
        "SELECT kind, column_name, params FROM risklab_catalog.default_definitions WHERE table_name = ?", [table]
    ).fetchall()
    if not rows:
        return None
    kind, column, params = rows[0]
    return DefaultDefinition.from_dict({"kind": kind, "column": column, **json.loads(params)})


def load_definition(con: duckdb.DuckDBPyConnection, table: str) -> DefaultDefinition | None:
    """The saved default definition of ``table`` with its column's type, or None."""
    defn = saved_definition(con, table)
    if defn is None:
        return None
    column = defn.column
    try:  # DESCRIBE is 5x cheaper than duckdb_columns(), and this runs on every page rerun
        described = con.execute(f"DESCRIBE SELECT {store.quote_ident(column)} FROM {store.quote_ident(table)}")
        column_type = described.fetchall()[0][1]
    except duckdb.Error:  # the table or column is gone: the text match still works (and says what is missing)
        return defn
    return dataclasses.replace(defn, column_type=column_type)


def suggest_definition(
    con: duckdb.DuckDBPyConnection, table: str, roles: dict[str, str], *, types: dict[str, str] | None = None
) -> DefaultDefinition | None:
    """A first guess from the roles: an outcome flag with its default-like values, else days past due >= 90,
    else a non-performing classification, else a status flag; None when nothing fits. ``types`` (column -> DuckDB
    type) saves reading them when the caller has them."""
    types = types if types is not None else dict(store.table_columns(con, table))
    flag = _suggest_flag(con, table, types, roles_mod.columns_with_role(roles, "outcome"))
    if flag:
        return flag
    for column in roles_mod.columns_with_role(roles, "days_past_due"):
        if column in types and roles_mod.is_numeric(types[column]):
            return DefaultDefinition("dpd", column, threshold=DEFAULT_DPD_THRESHOLD)
    for column in roles_mod.columns_with_role(roles, "classification"):
        if column in types:
            return DefaultDefinition("classification", column)
    return _suggest_flag(con, table, types, roles_mod.columns_with_role(roles, "status"))


def _suggest_flag(
    con: duckdb.DuckDBPyConnection, table: str, types: dict[str, str], columns: list[str]
) -> DefaultDefinition | None:
    """A flag definition on the first of ``columns`` that has default-like values (as the text they show as)."""
    for column in columns:
        if column not in types:
            continue
        rows = con.execute(
            f"SELECT DISTINCT CAST({store.quote_ident(column)} AS VARCHAR) AS v FROM {store.quote_ident(table)} "
            "WHERE v IS NOT NULL ORDER BY v LIMIT 100"
        ).fetchall()
        values = tuple(r[0] for r in rows if text_key(r[0]) in DEFAULT_FLAG_WORDS)
        if values:
            return DefaultDefinition("flag", column, values=values)
    return None


def default_summary(
    con: duckdb.DuckDBPyConnection,
    table: str,
    defn: DefaultDefinition,
    where_sql: str = "",
    params: tuple | list = (),
    *,
    strict: bool = False,
    types: dict[str, str] | None = None,
) -> dict:
    """Counts under ``defn`` in one scan: n, known, unknown, defaults, rate, one_class and a warning Notice.

    ``where_sql`` is an optional condition (with ``?`` placeholders bound from ``params``). When the
    definition leaves one class only, ``warning`` says so; with ``strict=True`` that raises instead. ``types``
    (column -> DuckDB type) saves reading the table's columns when the caller has them.
    """
    if types is None:
        store.require_column(con, table, defn.column)
    elif defn.column not in types:
        raise RiskLabError("error.no_column", table=table, column=defn.column)
    expr, expr_params = default_sql(defn)
    where = where_sql.strip()
    if where and not where.lower().startswith("where "):
        where = f"WHERE {where}"
    n, known, defaults = con.execute(
        f"SELECT count(*), count(d), coalesce(sum(d), 0) FROM (SELECT {expr} AS d FROM {store.quote_ident(table)} "
        f"{where})",
        [*expr_params, *params],
    ).fetchall()[0]
    warning = None
    if known == 0:
        warning = Notice("outcome.no_known", column=defn.column)
    elif defaults == 0:
        warning = Notice("outcome.no_defaults", known=known, column=defn.column)
    elif defaults == known:
        warning = Notice("outcome.all_defaults", known=known, column=defn.column)
    summary = {
        "n": int(n),
        "known": int(known),
        "unknown": int(n - known),
        "defaults": int(defaults),
        "rate": defaults / known if known else None,
        "one_class": warning is not None,
        "warning": warning,
    }
    if strict:
        check_two_classes(summary)
    return summary


def check_two_classes(summary: dict) -> None:
    """Raise the summary's warning as a ``RiskLabError`` when the definition leaves one class only."""
    warning = summary.get("warning")
    if warning is not None:
        raise RiskLabError(warning.key, **warning.params)
