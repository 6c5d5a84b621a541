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
    "console.empty": {"en": "write a SELECT query first", "zh": "请先输入一条 SELECT 查询"},
    "console.syntax": {"en": "the query does not parse: {detail}", "zh": "查询语法有误：{detail}"},
    "console.one_statement": {
        "en": "run one query at a time (remove the extra ';' statements)",
        "zh": "一次只能运行一条查询（请删除多余的 ';' 语句）",
    },
    "console.select_only": {
        "en": "the console is read-only: only SELECT queries are allowed, not {kind}",
        "zh": "控制台是只读的：只允许 SELECT 查询，不允许 {kind}",
    },
    "console.no_files": {
        "en": "the console reads only this database's tables: {name!r} is not allowed (no files, no extensions)",
        "zh": "控制台只能读取本数据库中的表：不允许使用 {name!r}（不能访问文件或扩展）",
    },
    "console.timeout": {
        "en": "the query was stopped after {seconds:g} s: aggregate more or add a WHERE clause",
        "zh": "查询超过 {seconds:g} 秒已被中止：请增加聚合或添加 WHERE 条件",
    },
    "console.failed": {"en": "the query failed: {detail}", "zh": "查询失败：{detail}"},
    "console.truncated": {
        "en": "showing the first {rows:,} rows only (row cap)",
        "zh": "仅显示前 {rows:,} 行（行数上限）",
    },
    # --- import -----------------------------------------------------------------
    # --- roles and default definitions -------------------------------------------
    # --- data-quality profile ----------------------------------------------------
    # --- sample portfolio and shipped datasets -------------------------------------
    # --- Data page ------------------------------------------------------------------
    "data.tab_import": {"en": "Import", "zh": "导入"},
    "data.tab_tables": {"en": "Tables & quality", "zh": "数据表与质量"},
    "data.tab_roles": {"en": "Column roles", "zh": "字段角色"},
    "data.tab_default": {"en": "Default definition", "zh": "违约定义"},
    "data.tab_sql": {"en": "SQL console", "zh": "SQL 控制台"},
    "data.upload": {
        "en": "Loan files (CSV/TSV/TXT in UTF-8 or GBK, Excel, Parquet, JSON lines)",
        "zh": "贷款文件（UTF-8 或 GBK 编码的 CSV/TSV/TXT、Excel、Parquet、JSON lines）",
    },
    "data.encoding": {"en": "Encoding", "zh": "编码"},
    "data.delimiter": {"en": "Delimiter", "zh": "分隔符"},
    "data.auto": {"en": "detect", "zh": "自动识别"},
    "data.sheet": {"en": "Sheet", "zh": "工作表"},
    "data.detected": {
        "en": "Format {kind} · encoding {encoding} · delimiter {delimiter}",
        "zh": "格式 {kind} · 编码 {encoding} · 分隔符 {delimiter}",
    },
    "data.column": {"en": "Column", "zh": "字段"},
    "data.type": {"en": "Type", "zh": "类型"},
    "data.role": {"en": "Role", "zh": "角色"},
    "data.table_name": {"en": "Table name", "zh": "表名"},
    "data.replace": {"en": "Replace the table if it exists", "zh": "若表已存在则替换"},
    "data.import": {"en": "Import", "zh": "导入"},
    "data.importing": {"en": "Importing ...", "zh": "正在导入……"},
    "data.imported": {"en": "Imported {rows:,} rows into table {table}.", "zh": "已导入 {rows:,} 行到数据表 {table}。"},
    "data.shipped": {"en": "Real public datasets shipped with the app", "zh": "随应用附带的公开真实数据集"},
    "data.shipped_pick": {"en": "Dataset", "zh": "数据集"},
    "data.shipped_import": {"en": "Import this dataset", "zh": "导入该数据集"},
    "data.profile": {"en": "Data quality of {table}", "zh": "{table} 的数据质量"},
    "data.rows": {"en": "Rows", "zh": "行数"},
    "data.columns": {"en": "Columns", "zh": "列数"},
    "data.duplicate_keys": {"en": "Duplicate loan ids", "zh": "重复贷款编号"},
    "data.download_csv": {"en": "Download CSV", "zh": "下载 CSV"},
    "data.save_roles": {"en": "Save roles", "zh": "保存角色"},
    "data.roles_saved": {"en": "Roles saved for {table}.", "zh": "已保存 {table} 的字段角色。"},
    "data.default_kind": {"en": "Default means", "zh": "违约口径"},
    "data.default_column": {"en": "Column", "zh": "字段"},
    "data.default_values": {"en": "Values that mean default", "zh": "表示违约的取值"},
    "data.default_threshold": {"en": "Days past due at least", "zh": "逾期天数不少于"},
    "data.default_labels": {"en": "Non-performing categories", "zh": "不良类别"},
    "data.known": {"en": "With a known outcome", "zh": "结果已知"},
    "data.defaults": {"en": "Defaults", "zh": "违约数"},
    "data.default_rate": {"en": "Default rate", "zh": "违约率"},
    "data.save_default": {"en": "Save default definition", "zh": "保存违约定义"},
    "data.default_saved": {"en": "Default definition saved for {table}.", "zh": "已保存 {table} 的违约定义。"},
    "data.sql": {"en": "Read-only SQL (one SELECT)", "zh": "只读 SQL（单条 SELECT）"},
    "data.run": {"en": "Run", "zh": "运行"},
    "data.sql_rows": {"en": "{rows:,} rows in {seconds:.2f} s", "zh": "{rows:,} 行，用时 {seconds:.2f} 秒"},
}


def t(key: str, lang: str = "en", /, **params: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``params``; the key itself if unknown."""
    entry = TEXT.get(key)
    if entry is None:
        return key
    template = entry.get(lang) or entry["en"]
    return template.format(**params) if params else template
