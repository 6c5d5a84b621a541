"""The one translation layer: every user-facing string is a key in ``TEXT``.

``t(key, lang, **params)`` formats the entry for the language (``en`` or ``zh``),
falling back to English where a Chinese entry is still missing.
"""

from __future__ import annotations

LANGUAGES = {"en": "English", "zh": "简体中文"}

TEXT: dict[str, dict[str, str]] = {
    # --- app shell -------------------------------------------------------------
    "app.title": {"en": "Microcredit Risk Lab", "zh": "小微信贷风险实验室"},
    "app.language": {"en": "Language", "zh": "语言"},
    "app.dataset": {"en": "Active table", "zh": "当前数据表"},
    "app.no_tables": {
        "en": "No loan tables yet: import one on the Data page.",
        "zh": "还没有贷款数据表：请在“数据”页面导入。",
    },
    "app.building_sample": {
        "en": "Building the sample portfolio (first start only) ...",
        "zh": "正在生成示例贷款组合（仅首次启动）……",
    },
    "app.database": {"en": "Database: {path}", "zh": "数据库：{path}"},
    "nav.home": {"en": "Home", "zh": "首页"},
    "nav.data": {"en": "Data", "zh": "数据"},
    "home.intro": {
        "en": (
            "Turn loan files into credit-risk decisions: import loan tables, define what default means, "
            "explore data quality and query the portfolio with read-only SQL."
        ),
        "zh": "把贷款文件变成信用风险决策：导入贷款数据表，定义违约口径，检查数据质量，并用只读 SQL 查询贷款组合。",
    },
    "home.tables": {"en": "Loan tables in this database", "zh": "数据库中的贷款数据表"},
    "home.active": {
        "en": "Active table **{table}**: {rows:,} rows, default rate {rate}.",
        "zh": "当前数据表 **{table}**：{rows:,} 行，违约率 {rate}。",
    },
    "home.no_default": {
        "en": "Active table **{table}**: {rows:,} rows; no default definition yet (Data page).",
        "zh": "当前数据表 **{table}**：{rows:,} 行；尚未定义违约口径（见“数据”页面）。",
    },
    # --- errors: database and store --------------------------------------------
    "error.db_locked": {
        "en": (
            "the database {path} is in use by another program{pid}: close it (e.g. stop the running app) "
            "or use another database with --db / RISKLAB_DB"
        ),
        "zh": "数据库 {path} 正被另一个程序占用{pid}：请先关闭它（例如停止正在运行的应用），或用 --db / RISKLAB_DB 指定其他数据库",
    },
    "error.db_unreadable": {
        "en": "the file {path} is not a Risk Lab (DuckDB) database: {detail}; move it away or choose another --db",
        "zh": "文件 {path} 不是 Risk Lab（DuckDB）数据库：{detail}；请移走它或指定其他 --db",
    },
    "error.no_table": {"en": "there is no table named {table!r}", "zh": "没有名为 {table!r} 的数据表"},
    "error.no_column": {
        "en": "table {table!r} has no column {column!r}",
        "zh": "数据表 {table!r} 没有列 {column!r}",
    },
    "error.bad_table_name": {
        "en": "{name!r} cannot be a table name: use letters, digits, _ or Chinese characters (at most 60)",
        "zh": "{name!r} 不能作为表名：请使用字母、数字、下划线或中文（最多 60 个字符）",
    },
    "error.reserved_table": {
        "en": "{name!r} is reserved for the Risk Lab catalog; choose another name",
        "zh": "{name!r} 是系统保留名称，请换一个表名",
    },
    # --- read-only SQL console --------------------------------------------------
    # --- import -----------------------------------------------------------------
    # --- roles and default definitions -------------------------------------------
    # --- data-quality profile ----------------------------------------------------
    # --- sample portfolio and shipped datasets -------------------------------------
    # --- Data page ------------------------------------------------------------------
}


def t(key: str, lang: str = "en", /, **params: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``params``; the key itself if unknown."""
    entry = TEXT.get(key)
    if entry is None:
        return key
    template = entry.get(lang) or entry["en"]
    return template.format(**params) if params else template
