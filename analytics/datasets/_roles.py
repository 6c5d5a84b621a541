"""Column roles: what each column of a loan table means, auto-detected from English and Chinese names.

``ROLES`` is the registry: one record per canonical role key with the kind of column it expects and
the name patterns that suggest it. Detection scores every pattern against a column name and keeps the
best match whose kind fits the column's type; unmatched columns become candidate factors (numeric or
categorical) or ``ignore``. Users edit the result; saved roles live in ``risklab_catalog.column_roles``.

Pattern syntax (one string per pattern):
- ``"=date"``: the whole normalised name equals the pattern (lowercase, spaces/underscores/punctuation removed);
- ``"days past due"``: the words appear in this order as words of the name (``DaysPastDue``, ``days_past_due``,
  ``max_days_past_due``), or the whole normalised name equals ``dayspastdue``;
- ``"逾期天数"`` (any Chinese character): contained in the normalised name.
Longer matches win (a whole-name match beats any partial one); ties go to the earlier role in ``ROLES``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Sequence

import duckdb

from analytics import store
from analytics.core import RiskLabError

FACTOR_ROLES = ("factor_numeric", "factor_categorical")
# Loan terms that are classic scorecard factors too: a column with one of these roles stays a candidate factor.
TERM_ROLES = ("amount", "term", "interest_rate")
CANDIDATE_ROLES = FACTOR_ROLES + TERM_ROLES
ID_LIKE_MIN_ROWS = 20  # a text column with all values distinct over at least this many rows is an identifier
MAX_CATEGORY_LEVELS = 100  # text columns with more distinct values are not used as categorical factors
_WHOLE_NAME_BONUS = 1000


@dataclasses.dataclass(frozen=True)
class Role:
    """A column role: its key, the column kind it expects and the name patterns that suggest it.

    ``kind``: ``numeric`` (numbers only), ``text`` (labels or codes: any non-date scalar), ``date`` (dates,
    timestamps, text or integer periods such as 202301) or ``any``.
    """

    key: str
    kind: str
    en: tuple[str, ...] = ()
    zh: tuple[str, ...] = ()

    @property
    def label_key(self) -> str:
        """The i18n key of the role's name."""
        return f"role.{self.key}"

    @property
    def patterns(self) -> tuple[str, ...]:
        """English and Chinese patterns together."""
        return self.en + self.zh


ROLES: tuple[Role, ...] = (
    Role(
        "loan_id",
        "text",
        ("=id", "loan id", "loan no", "loan nr", "loan number", "contract id", "contract no", "=loan key", "note id"),
        ("贷款编号", "借据号", "借据编号", "贷款号", "贷款id", "贷款账号", "合同编号", "合同号", "业务编号", "=编号"),
    ),
    Role(
        "borrower_id",
        "text",
        (
            "=borrower",
            "borrower id",
            "borrower no",
            "borrower number",
            "customer id",
            "customer no",
            "cust id",
            "client id",
            "member id",
            "member no",
        ),
        ("客户号", "客户编号", "客户id", "客户代码", "借款人编号", "借款人id", "身份证号", "证件号码", "农户编号"),
    ),
    Role(
        "outcome",
        "text",
        ("default", "defaulted", "bad", "target", "=label", "=y", "=outcome", "bad flag", "good bad"),
        ("违约", "是否违约", "违约标志", "违约标识", "坏客户", "是否坏账", "好坏", "=是否逾期", "不良标志"),
    ),
    Role(
        "days_past_due",
        "numeric",
        (
            "dpd",
            "days past due",
            "past due days",
            "overdue days",
            "days overdue",
            "days late",
            "days in arrears",
            "arrears days",
        ),
        ("逾期天数", "逾期日数", "逾期天"),
    ),
    Role("status", "text", ("=status", "loan status", "account status"), ("贷款状态", "账户状态", "=状态")),
    Role(
        "classification",
        "text",
        ("classification", "five category", "risk class", "loan class", "asset class", "=class"),
        ("五级分类", "五级", "风险分类", "贷款分类", "资产分类"),
    ),
    Role(
        "origination_date",
        "date",
        (
            "origination",
            "orig date",
            "origination date",
            "disbursement date",
            "disbursed date",
            "disburse date",
            "issue d",
            "issue date",
            "open date",
            "approval date",
            "application date",
            "start date",
            "loan date",
        ),
        (
            "发放日期",
            "放款日期",
            "发放日",
            "放款日",
            "起贷日",
            "贷款日期",
            "借款日期",
            "发放月份",
            "放款月份",
            "申请日期",
            "审批日期",
            "起始日期",
        ),
    ),
    Role(
        "snapshot_date",
        "date",
        (
            "=date",
            "snapshot",
            "as of",
            "asof",
            "=month",
            "report date",
            "reporting date",
            "=period",
            "reporting period",
            "observation date",
            "observation month",
            "statement date",
            "data date",
        ),
        (
            "=日期",
            "月份",
            "统计日期",
            "数据日期",
            "快照日期",
            "报表日期",
            "统计月份",
            "观察月",
            "年月",
            "报告期",
            "账期",
        ),
    ),
    Role(
        "branch",
        "text",
        ("branch", "=office", "outlet", "branch name", "branch code"),
        ("网点", "支行", "分行", "营业部", "机构", "分理处", "信用社", "所属机构"),
    ),
    Role(
        "officer",
        "text",
        ("officer", "loan officer", "credit officer", "account manager", "relationship manager", "=rm", "=lo"),
        ("客户经理", "信贷员", "经办人", "管户人", "信贷经理", "业务员"),
    ),
    Role(
        "group",
        "text",
        ("=group", "group id", "group no", "group number", "group code", "solidarity group", "lending group"),
        ("联保小组", "联保组", "小组编号", "小组号", "互保组", "=小组"),
    ),
    Role(
        "segment",
        "text",
        ("segment", "customer type", "client type", "borrower type", "customer segment"),
        ("客户类型", "客户类别", "客群", "客户分类", "业务条线", "条线", "细分市场"),
    ),
    Role(
        "product",
        "text",
        ("product", "loan type", "product type", "loan product"),
        ("产品", "贷款品种", "业务品种", "品种", "产品类型"),
    ),
    Role(
        "amount",
        "numeric",
        (
            "=amount",
            "=amt",
            "=loan",
            "loan amount",
            "loan amt",
            "loan amnt",
            "credit amount",
            "funded amnt",
            "funded amount",
            "principal",
            "disbursed amount",
            "disbursement gross",
            "gr appv",
            "approved amount",
            "loan size",
        ),
        ("贷款金额", "=金额", "放款金额", "发放金额", "合同金额", "借款金额", "授信额度", "审批金额", "贷款额度"),
    ),
    Role(
        "balance",
        "numeric",
        ("balance", "outstanding", "outstanding principal", "principal balance", "out prncp", "=bal"),
        ("余额", "贷款余额", "本金余额", "剩余本金", "在贷余额"),
    ),
    Role(
        "provision_held",
        "numeric",
        ("provision", "provisions", "provision held", "loan loss provision", "loan loss reserve", "allowance"),
        ("拨备", "拨备余额", "贷款损失准备", "减值准备", "已计提"),
    ),
    Role(
        "interest_rate",
        "numeric",
        ("interest rate", "int rate", "=rate", "=apr", "=interest", "annual rate"),
        ("利率", "执行利率", "年利率", "月利率"),
    ),
    Role(
        "term",
        "numeric",
        (
            "=term",
            "loan term",
            "term months",
            "term days",
            "term in months",
            "=duration",
            "duration months",
            "loan duration",
            "=tenor",
            "loan tenor",
            "=tenure",
        ),
        ("期限", "贷款期限", "借款期限", "期数", "还款期数"),
    ),
    Role(
        "expert_decision",
        "text",
        (
            "expert decision",
            "recommendation",
            "recommend",
            "=decision",
            "officer decision",
            "=approve",
            "=approved",
            "approval decision",
            "credit decision",
        ),
        (
            "审批意见",
            "审批结果",
            "审批决定",
            "审批结论",
            "审批建议",
            "是否批准",
            "是否通过",
            "客户经理建议",
            "客户经理意见",
            "信贷员建议",
            "信贷员意见",
            "专家意见",
        ),
    ),
    Role(
        "expert_score",
        "text",
        (
            "expert score",
            "expert grade",
            "expert rating",
            "officer score",
            "officer grade",
            "officer rating",
            "=score",
            "=grade",
            "judgement score",
            "manual score",
        ),
        (
            "专家评分",
            "客户经理评分",
            "信贷员评分",
            "经理评分",
            "人工评分",
            "主观评分",
            "专家打分",
            "=评分",
            "=打分",
            "专家等级",
            "客户经理评级",
        ),
    ),
    Role(
        "booked",
        "text",
        ("booked", "is booked", "=funded", "=disbursed"),
        ("是否放款", "是否发放", "已放款", "放款标志"),
    ),
    Role("factor_numeric", "numeric"),
    # Names that would otherwise match a role above but are candidate factors: the institution's credit rating,
    # an interest-rate increase, the shareholder's holding time, prior overdue counts. Numeric or categorical by type.
    Role(
        "factor_categorical",
        "any",
        (
            "credit rating",
            "internal rating",
            "=rating",
            "credit score",
            "rate increase",
            "interest rate increase",
            "rate hike",
            "prior overdue",
            "overdue count",
            "times overdue",
            "holding years",
            "holding time",
        ),
        (
            "信用等级",
            "信用评级",
            "机构评级",
            "内部评级",
            "信用评分",
            "利率上浮",
            "利率浮动",
            "上浮比例",
            "持股期限",
            "持股时间",
            "持股年限",
            "逾期次数",
            "历史逾期",
        ),
    ),
    Role(
        "ignore",
        "any",
        (
            "remark",
            "remarks",
            "note",
            "notes",
            "comment",
            "comments",
            "description",
            "desc",
            "address",
            "=name",
            "phone",
            "email",
            "zip",
            "maturity",
            "maturity date",
            "=index",
            "row number",
            "simulated",
            "default amount",
            "default date",
            "write off",
            "written off",
        ),
        (
            "备注",
            "说明",
            "描述",
            "地址",
            "姓名",
            "名称",
            "电话",
            "手机",
            "序号",
            "行号",
            "到期日",
            "违约金额",
            "违约日期",
            "核销",
        ),
    ),
)

ROLE_KEYS: tuple[str, ...] = tuple(r.key for r in ROLES)
_BY_KEY = {r.key: r for r in ROLES}


# --- name matching ------------------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u4e00-\u9fff]")


@functools.lru_cache(maxsize=8192)
def normalise_name(name: str) -> str:
    """Lowercase, with spaces, underscores and punctuation removed (``Loan_Amnt`` -> ``loanamnt``)."""
    return re.sub(r"[\W_]+", "", str(name).lower())


def name_tokens(name: str) -> list[str]:
    return list(_name_tokens(str(name)))


@functools.lru_cache(maxsize=8192)
def _name_tokens(name: str) -> tuple[str, ...]:
    """The words of a column name: split on separators, camelCase and letter/digit boundaries."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)
    text = re.sub(r"([A-Za-z])(\d)|(\d)([A-Za-z])", lambda m: " ".join(g for g in m.groups() if g), text)
    return tuple(w for w in re.split(r"[\W_]+", text.lower()) if w)


def _pattern_score(name: str, norm: str, tokens: list[str], pattern: str) -> int:
    if pattern.startswith("="):
        return _WHOLE_NAME_BONUS + len(norm) if norm == normalise_name(pattern[1:]) else 0
    target = normalise_name(pattern)
    if norm == target:
        return _WHOLE_NAME_BONUS + len(target)
    if _CJK.search(pattern):
        return len(target) if target in norm else 0
    words = pattern.lower().split()
    span = len(words)
    if any(tokens[i : i + span] == words for i in range(len(tokens) - span + 1)):
        return len(target)
    return 0


def match_score(name: str, patterns: tuple[str, ...]) -> tuple[int, str | None]:
    """The best score of ``patterns`` against a column name (0 when none matches) and the pattern that matched."""
    norm, tokens = normalise_name(name), name_tokens(name)
    best, which = 0, None
    for pattern in patterns:
        score = _pattern_score(name, norm, tokens, pattern)
        if score > best:
            best, which = score, pattern
    return best, which


def looks_like_id_name(name: str) -> bool:
    """True for names such as ``id``, ``loan_id``, ``LoanNr``, ``贷款编号``, ``序号``."""
    tokens = name_tokens(name)
    if any(t in ("id", "uuid", "guid") for t in tokens) or (tokens and tokens[-1] in ("no", "nr")):
        return True
    return any(
        word in normalise_name(name) for word in ("编号", "序号", "号码", "借据号", "合同号", "客户号", "身份证")
    )


# --- column kinds -------------------------------------------------------------------------------------------------

_INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}
_FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}


def type_class(duckdb_type: str) -> str:
    """``integer``, ``float``, ``text``, ``boolean``, ``date`` or ``other`` for a DuckDB type name."""
    t = str(duckdb_type).upper()
    if t in _INTEGER_TYPES:
        return "integer"
    if t in _FLOAT_TYPES or t.startswith("DECIMAL"):
        return "float"
    if t == "VARCHAR" or t.startswith("ENUM"):
        return "text"
    if t == "BOOLEAN":
        return "boolean"
    if t.startswith(("DATE", "TIMESTAMP", "TIME")):
        return "date"
    return "other"


def is_numeric(duckdb_type: str) -> bool:
    """True for integer, floating-point and decimal types."""
    return type_class(duckdb_type) in ("integer", "float")


def _fits(kind: str, duckdb_type: str) -> bool:
    cls = type_class(duckdb_type)
    if kind == "numeric":
        return cls in ("integer", "float")
    if kind == "text":
        return cls in ("integer", "float", "text", "boolean")
    if kind == "date":
        return cls in ("date", "text", "integer")
    return True


def _fallback(duckdb_type: str) -> str:
    cls = type_class(duckdb_type)
    if cls in ("integer", "float"):
        return "factor_numeric"
    if cls in ("text", "boolean"):
        return "factor_categorical"
    return "ignore"


def _detect_one(name: str, duckdb_type: str) -> str:
    best_key, best = None, 0
    for r in ROLES:
        if not r.patterns or not _fits(r.kind, duckdb_type):
            continue
        score, _ = match_score(name, r.patterns)
        if score > best:
            best_key, best = r.key, score
    if best_key is None or best_key in FACTOR_ROLES:
        return _fallback(duckdb_type)
    return best_key


def detect_roles(columns: list[tuple[str, str]]) -> dict[str, str]:
    """Roles from names and DuckDB types only: ``{column: role}`` in column order."""
    return {name: _detect_one(name, duckdb_type) for name, duckdb_type in columns}


SCAN_ROWS = 1_000_000  # distinct counts and leakage checks of longer tables run on a deterministic sample


def bounded_source(con: duckdb.DuckDBPyConnection, table: str, max_rows: int = SCAN_ROWS) -> tuple[str, int, int]:
    """``(sql, rows, every)``: the table itself when it has at most ``max_rows`` rows, else a deterministic 1-in-k
    sample of about ``max_rows`` (by a hash of the row id), so column scans of millions of loans stay bounded."""
    ((rows,),) = con.execute(f"SELECT count(*) FROM {store.quote_ident(table)}").fetchall()
    every = math.ceil(rows / max_rows) if max_rows and rows > max_rows else 1
    if every == 1:
        return store.quote_ident(table), int(rows), 1
    return f"(SELECT * FROM {store.quote_ident(table)} WHERE hash(rowid) % {every} = 0)", int(rows), every


def column_counts(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> tuple[int, dict]:
    """Rows of ``table`` (of its sample, when longer than ``SCAN_ROWS``) and ``{column: (non_null, distinct)}``
    for ``columns`` (a scan per 20 columns)."""

    def counts(name: str) -> list[str]:
        return [f"count({store.quote_ident(name)})", f"count(DISTINCT {store.quote_ident(name)})"]

    source, _, _ = bounded_source(con, table)
    rows, values = store.scan_columns(con, table, columns, counts, source)
    return rows, dict(zip(columns, values, strict=True))


def detect_roles_for_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[str] | None = None,
    *,
    types: dict[str, str] | None = None,
) -> dict[str, str]:
    """Detected roles of a table's columns (all, or ``columns``), refined by distinct counts from one SQL scan.

    Unmatched columns that are constant, identifier-like (text, or integer with an ID name, with every value
    distinct) or free text (more than ``MAX_CATEGORY_LEVELS`` levels, or mostly distinct) become ``ignore``.
    ``types`` (column -> DuckDB type) saves reading them when the caller has them.
    """
    types = types if types is not None else dict(store.table_columns(con, table))
    wanted = [c for c in (columns if columns is not None else types) if c in types]
    detected = detect_roles([(c, types[c]) for c in wanted])
    factors = [c for c in wanted if detected[c] in FACTOR_ROLES]
    if not factors:
        return detected
    _, counts = column_counts(con, table, factors)
    for name in factors:
        non_null, distinct = counts[name]
        cls = type_class(types[name])
        all_distinct = distinct == non_null and non_null >= ID_LIKE_MIN_ROWS
        if (
            distinct <= 1
            or (
                cls == "text"
                and (all_distinct or distinct > MAX_CATEGORY_LEVELS or (distinct > 20 and distinct > 0.5 * non_null))
            )
            or (cls == "integer" and all_distinct and looks_like_id_name(name))
        ):
            detected[name] = "ignore"
    return detected


# --- saved roles --------------------------------------------------------------------------------------------------


def saved_roles(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """The roles a user saved for ``table`` (empty when none)."""
    rows = con.execute(
        "SELECT column_name, role FROM risklab_catalog.column_roles WHERE table_name = ? ORDER BY column_name", [table]
    ).fetchall()
    return dict(rows)


def save_roles(con: duckdb.DuckDBPyConnection, table: str, roles: dict[str, str]) -> None:
    """Replace the saved roles of ``table`` with ``roles`` (all or nothing), with an audit row."""
    columns = {name for name, _ in store.table_columns(con, table)}
    for column, key in roles.items():
        if column not in columns:
            raise RiskLabError("error.no_column", table=table, column=column)
        if key not in _BY_KEY:
            raise RiskLabError("role.unknown", role=key, column=column)
    with store.transaction(con):
        con.execute("DELETE FROM risklab_catalog.column_roles WHERE table_name = ?", [table])
        if roles:
            con.executemany(
                "INSERT INTO risklab_catalog.column_roles (table_name, column_name, role) VALUES (?, ?, ?)",
                [[table, column, key] for column, key in roles.items()],
            )
        store.audit(con, "save_roles", table, roles=dict(roles))


def table_roles(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Every column's role in column order: the saved role, else the detected one (new columns are detected)."""
    return roles_of(con, table, store.table_columns(con, table))


def roles_of(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[tuple[str, str]]) -> dict[str, str]:
    """``table_roles`` for the table's ``columns`` (name, DuckDB type), already read."""
    saved = saved_roles(con, table)
    missing = [c for c, _ in columns if c not in saved]
    detected = detect_roles_for_table(con, table, missing, types=dict(columns)) if missing else {}
    return {c: saved[c] if c in saved else detected[c] for c, _ in columns}


def columns_with_role(roles: dict[str, str], key: str) -> list[str]:
    """The columns that have role ``key``, in the order of ``roles``."""
    return [column for column, r in roles.items() if r == key]
