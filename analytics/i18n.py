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
    "import.table_exists": {
        "en": (
            "a table named {table!r} already exists: choose another table name, or use --replace "
            "(command line) / tick the replace box to overwrite it"
        ),
        "zh": "已存在名为 {table!r} 的数据表：请换一个表名，或使用 --replace（命令行）/ 勾选“替换”以覆盖它",
    },
    "import.no_file": {
        "en": "there is no readable file {path}: check the path and try again",
        "zh": "找不到可读取的文件 {path}：请检查路径后重试",
    },
    "import.too_large": {
        "en": "{file} is {size} MB, more than the {limit} MB limit: split it into smaller files or convert it to Parquet",
        "zh": "{file} 有 {size} MB，超过 {limit} MB 的上限：请拆分成较小的文件，或转换为 Parquet",
    },
    "import.unsupported": {
        "en": (
            "{file}: unsupported file type {extension!r}; import a CSV/TSV/TXT, Excel (.xlsx), "
            "Parquet or JSON lines file"
        ),
        "zh": "{file}：不支持的文件类型 {extension!r}；请导入 CSV/TSV/TXT、Excel（.xlsx）、Parquet 或 JSON lines 文件",
    },
    "import.xls": {
        "en": "{file} is an old Excel .xls file: open it in Excel, save it as .xlsx (or CSV UTF-8) and import that",
        "zh": "{file} 是旧版 Excel .xls 文件：请在 Excel 中打开并另存为 .xlsx（或 CSV UTF-8）后再导入",
    },
    "import.kind_sniffed": {
        "en": "{file} is really a {kind} file (judged by its content, not its name)",
        "zh": "{file} 实际上是 {kind} 文件（根据内容而非文件名判断）",
    },
    "import.empty": {
        "en": "{file} is empty: choose a file with a header row and at least one row of data",
        "zh": "{file} 是空文件：请选择包含表头和至少一行数据的文件",
    },
    "import.no_header": {
        "en": "the first line of {file} is empty: the first line must hold the column names",
        "zh": "{file} 的第一行为空：第一行必须是列名",
    },
    "import.no_rows": {
        "en": "{file} has column names but no data rows: choose a file with at least one loan",
        "zh": "{file} 只有列名没有数据行：请选择至少包含一笔贷款的文件",
    },
    "import.binary": {
        "en": (
            "{file} is not a text file: save it as CSV (UTF-8) or choose an Excel (.xlsx), Parquet or JSON lines file"
        ),
        "zh": "{file} 不是文本文件：请另存为 CSV（UTF-8），或选择 Excel（.xlsx）、Parquet 或 JSON lines 文件",
    },
    "import.unknown_encoding": {
        "en": "{encoding!r} is not a known encoding: use e.g. utf-8, utf-8-sig, gb18030 or utf-16",
        "zh": "{encoding!r} 不是可识别的编码：请使用 utf-8、utf-8-sig、gb18030 或 utf-16 等",
    },
    "import.bad_encoding": {
        "en": (
            "{file} is not valid {encoding} text (undecodable bytes on line {line}): choose the right encoding "
            "(e.g. utf-8 or gb18030) or leave it to automatic detection"
        ),
        "zh": "{file} 不是有效的 {encoding} 文本（第 {line} 行有无法解码的字节）：请选择正确的编码（如 utf-8 或 gb18030），或使用自动识别",
    },
    "import.undecodable": {
        "en": "the text encoding of {file} could not be detected: choose it yourself (e.g. utf-8, gb18030, utf-16)",
        "zh": "无法识别 {file} 的文本编码：请手动选择（如 utf-8、gb18030、utf-16）",
    },
    "import.encoding_guessed": {
        "en": "encoding {encoding} was guessed: check the preview and choose the encoding yourself if text looks wrong",
        "zh": "编码 {encoding} 是推测的：请检查预览，如文字显示异常请手动选择编码",
    },
    "import.bad_delimiter": {
        "en": "{delimiter!r} cannot be a delimiter: use one character such as , ; | or a tab",
        "zh": "{delimiter!r} 不能作为分隔符：请使用单个字符，例如 , ; | 或制表符",
    },
    "import.ragged": {
        "en": (
            "line {line} of {file} has {found} fields but the header has {expected}: fix that line "
            "(quote values that contain the delimiter {delimiter!r}) or choose another delimiter, then import again"
        ),
        "zh": "{file} 第 {line} 行有 {found} 个字段，而表头有 {expected} 个：请修正该行（含分隔符 {delimiter!r} 的值需加引号）或更换分隔符后重新导入",
    },
    "import.bad_quotes": {
        "en": "line {line} of {file} has a quoted field that is never closed: add the missing \" and import again",
        "zh": "{file} 第 {line} 行有未闭合的引号字段：请补上缺少的 \" 后重新导入",
    },
    "import.csv_unreadable": {
        "en": "{file} could not be read as CSV ({detail}): check the delimiter and encoding in the preview",
        "zh": "无法按 CSV 读取 {file}（{detail}）：请在预览中检查分隔符和编码",
    },
    "import.json_unreadable": {
        "en": "{file} could not be read as JSON lines ({detail}): each line must be one JSON object",
        "zh": "无法按 JSON lines 读取 {file}（{detail}）：每行必须是一个 JSON 对象",
    },
    "import.parquet_unreadable": {
        "en": "{file} is not a readable Parquet file ({detail}): export it again, or import it as CSV",
        "zh": "{file} 不是可读取的 Parquet 文件（{detail}）：请重新导出，或改用 CSV 导入",
    },
    "import.excel_unreadable": {
        "en": "{file} could not be opened as an Excel workbook ({detail}): save it again as .xlsx in Excel and retry",
        "zh": "无法以 Excel 工作簿打开 {file}（{detail}）：请在 Excel 中重新另存为 .xlsx 后重试",
    },
    "import.no_sheet": {
        "en": "{file} has no sheet named {sheet!r}: choose one of {sheets}",
        "zh": "{file} 中没有名为 {sheet!r} 的工作表：请从 {sheets} 中选择",
    },
    "import.empty_sheet": {
        "en": "sheet {sheet!r} of {file} is empty: choose another sheet",
        "zh": "{file} 的工作表 {sheet!r} 是空的：请选择其他工作表",
    },
    "import.failed": {
        "en": "{file} could not be imported ({detail}); nothing was changed: check the file and try again",
        "zh": "{file} 导入失败（{detail}），数据库未作任何改动：请检查文件后重试",
    },
    "import.column_unnamed": {
        "en": "column {position} has no name: named it {new!r}",
        "zh": "第 {position} 列没有列名：已命名为 {new!r}",
    },
    "import.column_duplicate": {
        "en": "column {position}: the name {old!r} is used twice, renamed to {new!r}",
        "zh": "第 {position} 列：列名 {old!r} 重复，已改名为 {new!r}",
    },
    "import.empty_column": {
        "en": "column {column!r} is entirely empty",
        "zh": "列 {column!r} 完全为空",
    },
    "import.thousands": {
        "en": "column {column!r}: numbers with thousands separators (e.g. {example!r}) were read as numbers",
        "zh": "列 {column!r}：带千位分隔符的数字（如 {example!r}）已按数值读取",
    },
    "import.decimal_comma": {
        "en": "column {column!r}: numbers with a decimal comma (e.g. {example!r}) were read as numbers",
        "zh": "列 {column!r}：以逗号作小数点的数字（如 {example!r}）已按数值读取",
    },
    "import.percent": {
        "en": "column {column!r}: percentages (e.g. {example!r}) were converted to fractions (12.5% -> 0.125)",
        "zh": "列 {column!r}：百分数（如 {example!r}）已转换为小数（12.5% -> 0.125）",
    },
    "import.partly_numeric": {
        "en": (
            "column {column!r} was kept as text: {numeric} of {total} values look like numbers but others do not "
            "(e.g. {example!r}); clean them and import again if it should be numeric"
        ),
        "zh": "列 {column!r} 保留为文本：{total} 个值中有 {numeric} 个像数字，其余不是（如 {example!r}）；如应为数值，请清理后重新导入",
    },
    "import.mixed_numeric": {
        "en": (
            "column {column!r} was kept as text: its numbers are written in mixed formats (e.g. {example!r}); "
            "use one format and import again if it should be numeric"
        ),
        "zh": "列 {column!r} 保留为文本：其中数字的写法不统一（如 {example!r}）；如应为数值，请统一格式后重新导入",
    },
    "import.type_conflict": {
        "en": "column {column!r} was kept as text: its values do not share one type (e.g. {value!r} on line {line})",
        "zh": "列 {column!r} 保留为文本：其值类型不一致（如第 {line} 行的 {value!r}）",
    },
    "import.mixed_cells": {
        "en": "column {column!r} mixes numbers or dates with text in the sheet: it was read as text",
        "zh": "列 {column!r} 在工作表中混有数字/日期和文本：已按文本读取",
    },
    # --- roles and default definitions -------------------------------------------
    "role.loan_id": {"en": "Loan ID", "zh": "贷款编号"},
    "role.borrower_id": {"en": "Borrower ID", "zh": "客户编号"},
    "role.outcome": {"en": "Outcome (default flag)", "zh": "结果（违约标志）"},
    "role.days_past_due": {"en": "Days past due", "zh": "逾期天数"},
    "role.status": {"en": "Loan status", "zh": "贷款状态"},
    "role.classification": {"en": "Five-category classification", "zh": "五级分类"},
    "role.origination_date": {"en": "Origination date", "zh": "发放日期"},
    "role.snapshot_date": {"en": "Snapshot date / month", "zh": "统计日期 / 月份"},
    "role.branch": {"en": "Branch", "zh": "网点"},
    "role.officer": {"en": "Loan officer", "zh": "客户经理"},
    "role.segment": {"en": "Segment", "zh": "客户类型"},
    "role.product": {"en": "Product", "zh": "产品"},
    "role.amount": {"en": "Loan amount", "zh": "贷款金额"},
    "role.balance": {"en": "Outstanding balance", "zh": "贷款余额"},
    "role.interest_rate": {"en": "Interest rate", "zh": "利率"},
    "role.term": {"en": "Term", "zh": "期限"},
    "role.expert_decision": {"en": "Expert decision", "zh": "审批意见"},
    "role.expert_score": {"en": "Expert score / grade", "zh": "专家评分 / 等级"},
    "role.booked": {"en": "Booked (loan granted)", "zh": "是否放款"},
    "role.factor_numeric": {"en": "Candidate factor (numeric)", "zh": "候选因子（数值型）"},
    "role.factor_categorical": {"en": "Candidate factor (categorical)", "zh": "候选因子（分类型）"},
    "role.ignore": {"en": "Ignore", "zh": "忽略"},
    "role.unknown": {
        "en": "{role!r} (column {column!r}) is not a column role: choose one of the roles in the list",
        "zh": "{role!r}（列 {column!r}）不是有效的列角色：请从列表中选择",
    },
    "outcome.flag": {"en": "Flag values", "zh": "标志取值"},
    "outcome.dpd": {"en": "Days past due ≥ N", "zh": "逾期天数 ≥ N"},
    "outcome.classification": {"en": "Non-performing classification", "zh": "不良五级分类"},
    "outcome.category.normal": {"en": "Normal", "zh": "正常"},
    "outcome.category.special_mention": {"en": "Special mention", "zh": "关注"},
    "outcome.category.substandard": {"en": "Substandard", "zh": "次级"},
    "outcome.category.doubtful": {"en": "Doubtful", "zh": "可疑"},
    "outcome.category.loss": {"en": "Loss", "zh": "损失"},
    "outcome.unknown_kind": {
        "en": "{kind!r} is not a kind of default definition: choose flag values, days past due or classification",
        "zh": "{kind!r} 不是有效的违约口径类型：请选择标志取值、逾期天数或五级分类",
    },
    "outcome.no_column": {"en": "choose the column that defines default", "zh": "请选择定义违约的列"},
    "outcome.no_values": {
        "en": "choose at least one value of column {column!r} that means default",
        "zh": "请至少选择列 {column!r} 中表示违约的一个取值",
    },
    "outcome.bad_threshold": {
        "en": "the days-past-due threshold must be a whole number of days, at least 1 (got {threshold!r})",
        "zh": "逾期天数阈值必须是不小于 1 的整数天数（当前为 {threshold!r}）",
    },
    "outcome.no_labels": {
        "en": "choose at least one classification that means default (e.g. substandard, doubtful, loss)",
        "zh": "请至少选择一个表示违约的分类（例如次级、可疑、损失）",
    },
    "outcome.unknown_label": {
        "en": (
            "{label!r} is not one of the five loan categories (normal 正常, special mention 关注, "
            "substandard 次级, doubtful 可疑, loss 损失)"
        ),
        "zh": "{label!r} 不是五级分类之一（正常、关注、次级、可疑、损失）",
    },
    "outcome.dpd_not_numeric": {
        "en": "column {column!r} holds {type} values, not a number of days past due: choose a numeric column",
        "zh": "列 {column!r} 的类型是 {type}，不是逾期天数：请选择数值型的列",
    },
    "outcome.column_empty": {
        "en": "column {column!r} has no values: choose another column",
        "zh": "列 {column!r} 没有任何取值：请选择其他列",
    },
    "outcome.values_not_found": {
        "en": "none of the values {values} occurs in column {column!r} (its most frequent values: {found}); check the values",
        "zh": "列 {column!r} 中没有出现取值 {values}（最常见的取值：{found}）；请检查所选取值",
    },
    "outcome.labels_not_found": {
        "en": (
            "column {column!r} holds no five-category labels (normal/正常 ... loss/损失, or codes 1-5); "
            "its most frequent values: {found}"
        ),
        "zh": "列 {column!r} 中没有五级分类标签（正常……损失，或代码 1-5）；最常见的取值：{found}",
    },
    "outcome.no_known": {
        "en": "no loan has a known outcome under this definition (column {column!r}): check the column and values",
        "zh": "按此口径没有任何贷款的结果已知（列 {column!r}）：请检查所选列和取值",
    },
    "outcome.no_defaults": {
        "en": "no defaults under this definition ({known:,} loans with a known outcome): check the values",
        "zh": "按此口径没有违约（{known:,} 笔贷款结果已知）：请检查所选取值",
    },
    "outcome.all_defaults": {
        "en": "all {known:,} loans with a known outcome are defaults under this definition: check the values",
        "zh": "按此口径结果已知的 {known:,} 笔贷款全部违约：请检查所选取值",
    },
    # --- data-quality profile ----------------------------------------------------
    "profile.all_missing": {"en": "{column}: every value is missing", "zh": "{column}：所有取值均缺失"},
    "profile.constant": {
        "en": "{column}: constant (one distinct value), carries no information",
        "zh": "{column}：常量列（只有一个取值），不含信息",
    },
    "profile.high_missing": {
        "en": "{column}: {pct:.0f}% of values are missing",
        "zh": "{column}：{pct:.0f}% 的取值缺失",
    },
    "profile.id_like": {
        "en": "{column}: looks like an identifier (ID name or every value distinct), not a risk factor",
        "zh": "{column}：看起来是标识编号（名称像编号或取值全不相同），不宜作为风险因子",
    },
    "profile.leakage_name": {
        "en": "{column}: the name ({hint}) suggests it is recorded after the outcome; do not use it as a factor",
        "zh": "{column}：列名（{hint}）表明它可能在结果发生之后才记录；不要用作因子",
    },
    "profile.leakage_status": {
        "en": "{column}: the loan's current state, known only after the outcome in a loan-level table; not a factor",
        "zh": "{column}：贷款的当前状态，在贷款层面的数据表中只有在结果发生后才知道；不要用作因子",
    },
    "profile.leakage_auc": {
        "en": "{column}: separates defaults almost perfectly (AUC {auc:.3f}); probably recorded after the outcome",
        "zh": "{column}：几乎完美地区分违约（AUC {auc:.3f}）；很可能在结果发生之后才记录",
    },
    "profile.leakage_level": {
        "en": "{column} = {level!r}: all {n:,} loans ({share:.0%}) defaulted; probably recorded after the outcome",
        "zh": "{column} = {level!r}：全部 {n:,} 笔贷款（{share:.0%}）违约；很可能在结果发生之后才记录",
    },
    "profile.leakage_missing": {
        "en": "{column}: all {n:,} loans ({share:.0%}) where it is missing defaulted; probably recorded after the outcome",
        "zh": "{column}：该列缺失的 {n:,} 笔贷款（{share:.0%}）全部违约；很可能在结果发生之后才记录",
    },
    "profile.leakage_present": {
        "en": "{column}: filled in only for defaulted loans ({n:,}, {share:.0%}); probably recorded after the outcome",
        "zh": "{column}：只有违约贷款才有取值（{n:,} 笔，{share:.0%}）；很可能在结果发生之后才记录",
    },
    # --- sample portfolio and shipped datasets -------------------------------------
    "sample.bad_size": {
        "en": (
            "the sample portfolio needs at least {min_loans:,} applications and {min_months} months "
            "(got {loans} applications and {months} months)"
        ),
        "zh": "示例贷款组合至少需要 {min_loans:,} 笔申请和 {min_months} 个月（当前为 {loans} 笔申请、{months} 个月）",
    },
    "sample.bad_start": {
        "en": "{start!r} is not a start date: write it as YYYY-MM-DD, e.g. 2021-01-01",
        "zh": "{start!r} 不是有效的起始日期：请写成 YYYY-MM-DD 格式，例如 2021-01-01",
    },
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
