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
    "error.save_conflict": {
        "en": "others were saving under the same name at the same moment: nothing was saved, please save again",
        "zh": "其他用户正在以同一名称同时保存：本次未保存，请再保存一次",
    },
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
            "{file} is a binary file, not text: save it as CSV (UTF-8) or choose an Excel (.xlsx), Parquet "
            "or JSON lines file"
        ),
        "zh": "{file} 是二进制文件，不是文本：请另存为 CSV（UTF-8），或选择 Excel（.xlsx）、Parquet 或 JSON lines 文件",
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
        "en": (
            'line {line} of {file} has a quoted value that is not closed properly: check the " marks on that line '
            '(a value must end with " right before the delimiter {delimiter!r}) and import again'
        ),
        "zh": '{file} 第 {line} 行有未正确闭合的引号值：请检查该行的 " 号（引号值必须在分隔符 {delimiter!r} 前以 " 结束）后重新导入',
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
    "import.currency": {
        "en": "column {column!r}: amounts with a currency sign (e.g. {example!r}) were read as numbers",
        "zh": "列 {column!r}：带货币符号的金额（如 {example!r}）已按数值读取",
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
    # --- Risk factors page ---
    "nav.risk_factors": {"en": "Risk factors", "zh": "风险因子"},
    "factors.no_definition": {
        "en": "table {table!r} has no default definition yet: set one on the Data page (Default definition tab)",
        "zh": "数据表 {table!r} 还没有违约定义：请在“数据”页面的“违约定义”标签中设置",
    },
    "factors.no_candidates": {
        "en": "table {table!r} has no candidate factors: mark columns as candidate factors on the Data page (Column roles tab)",
        "zh": "数据表 {table!r} 没有候选因子：请在“数据”页面的“字段角色”标签中把字段设为候选因子",
    },
    "factors.not_numeric": {
        "en": "{column}: marked as a numeric factor but stored as {type}; analysed as categorical",
        "zh": "{column}：被设为数值型因子，但存储类型为 {type}；按分类型因子分析",
    },
    "factors.unknown_split": {"en": "unknown sample split {kind!r}", "zh": "未知的样本划分方式 {kind!r}"},
    "factors.bad_fraction": {
        "en": "the share of the second sample must be between 5% and 95% (got {fraction})",
        "zh": "第二个样本的占比必须在 5% 到 95% 之间（当前为 {fraction}）",
    },
    "factors.no_date": {
        "en": "an earlier/later split needs an origination date column in table {table!r} (Data page, Column roles)",
        "zh": "按时间先后划分需要数据表 {table!r} 中有发放日期字段（“数据”页面的“字段角色”）",
    },
    "factors.no_dates": {
        "en": "column {column!r} has no dates among the analysed loans",
        "zh": "所分析的贷款在字段 {column!r} 中没有日期",
    },
    "factors.empty_sample": {
        "en": "one of the two samples is empty: choose another split",
        "zh": "两个样本之一为空：请换一种划分方式",
    },
    "factors.none_chosen": {"en": "choose at least one factor", "zh": "请至少选择一个因子"},
    "factors.few_factors": {
        "en": "choose at least two factors for the correlation matrix",
        "zh": "相关矩阵至少需要选择两个因子",
    },
    "factors.to_data": {"en": "Go to the Data page", "zh": "前往“数据”页面"},
    "factors.booked_only": {"en": "Booked loans only (column {column})", "zh": "仅分析已放款贷款（字段 {column}）"},
    "factors.ranking": {"en": "Ranking the factors ...", "zh": "正在计算因子排序……"},
    "factors.summary": {
        "en": "{loans:,} loans with a known outcome, {defaults:,} defaults ({rate:.2%}).",
        "zh": "结果已知的贷款 {loans:,} 笔，其中违约 {defaults:,} 笔（{rate:.2%}）。",
    },
    "factors.sampled": {
        "en": "Many loans: the ranking, stability and correlation use a fixed 1-in-{every} sample of them (the Binning tab counts every loan).",
        "zh": "贷款数量较多：因子排序、稳定性和相关性分析使用固定的每 {every} 笔抽 1 笔样本（“分箱”标签统计全部贷款）。",
    },
    "factors.tab_ranking": {"en": "Ranking", "zh": "因子排序"},
    "factors.tab_binning": {"en": "Binning", "zh": "分箱"},
    "factors.tab_stability": {"en": "Stability", "zh": "稳定性"},
    "factors.tab_correlation": {"en": "Correlation", "zh": "相关性"},
    "factors.col.factor": {"en": "Factor", "zh": "因子"},
    "factors.col.kind": {"en": "Type", "zh": "类型"},
    "factors.col.binning": {"en": "Binning", "zh": "分箱方案"},
    "factors.col.bins": {"en": "Bins", "zh": "箱数"},
    "factors.col.iv": {"en": "IV", "zh": "IV 值"},
    "factors.col.strength": {"en": "Strength", "zh": "区分能力"},
    "factors.col.ks": {"en": "KS", "zh": "KS"},
    "factors.col.gini": {"en": "Gini", "zh": "基尼系数"},
    "factors.col.missing_share": {"en": "Missing", "zh": "缺失率"},
    "factors.col.p_value": {"en": "p-value", "zh": "p 值"},
    "factors.col.label": {"en": "Bin", "zh": "分箱"},
    "factors.col.level": {"en": "Level", "zh": "类别"},
    "factors.col.count": {"en": "Loans", "zh": "贷款笔数"},
    "factors.col.share": {"en": "Share", "zh": "占比"},
    "factors.col.goods": {"en": "Goods", "zh": "好客户"},
    "factors.col.bads": {"en": "Bads", "zh": "坏客户"},
    "factors.col.bad_rate": {"en": "Bad rate", "zh": "坏账率"},
    "factors.col.woe": {"en": "WOE", "zh": "WOE"},
    "factors.col.csi": {"en": "CSI", "zh": "CSI"},
    "factors.col.verdict": {"en": "Verdict", "zh": "结论"},
    "factors.col.vif": {"en": "VIF", "zh": "VIF"},
    "factors.col.band": {"en": "Assessment", "zh": "评估"},
    "factors.col.correlation": {"en": "Correlation", "zh": "相关系数"},
    "factors.col.count_0": {"en": "Loans ({first})", "zh": "贷款笔数（{first}）"},
    "factors.col.share_0": {"en": "Share ({first})", "zh": "占比（{first}）"},
    "factors.col.bad_rate_0": {"en": "Bad rate ({first})", "zh": "坏账率（{first}）"},
    "factors.col.woe_0": {"en": "WOE ({first})", "zh": "WOE（{first}）"},
    "factors.col.count_1": {"en": "Loans ({second})", "zh": "贷款笔数（{second}）"},
    "factors.col.share_1": {"en": "Share ({second})", "zh": "占比（{second}）"},
    "factors.col.bad_rate_1": {"en": "Bad rate ({second})", "zh": "坏账率（{second}）"},
    "factors.col.woe_1": {"en": "WOE ({second})", "zh": "WOE（{second}）"},
    "factors.kind.numeric": {"en": "numeric", "zh": "数值型"},
    "factors.kind.categorical": {"en": "categorical", "zh": "分类型"},
    "factors.band.useless": {"en": "useless", "zh": "无效"},
    "factors.band.weak": {"en": "weak", "zh": "弱"},
    "factors.band.medium": {"en": "medium", "zh": "中等"},
    "factors.band.strong": {"en": "strong", "zh": "强"},
    "factors.band.suspicious": {"en": "suspicious: check for leakage", "zh": "可疑：请检查信息泄露"},
    "factors.ranking_help": {
        "en": (
            "IV bands: below 0.02 useless, 0.02-0.1 weak, 0.1-0.3 medium, 0.3-0.5 strong, above 0.5 suspicious "
            "(check that the factor was known before the loan was granted). Each factor uses its latest saved binning, "
            "else the optimal monotonic binning; KS, Gini and the p-value (likelihood-ratio test) come from the logit "
            "of default on those bins. Click a column header to sort. Computed in {seconds:.2f} s."
        ),
        "zh": (
            "IV 分档：低于 0.02 无效，0.02-0.1 弱，0.1-0.3 中等，0.3-0.5 强，高于 0.5 可疑（请确认该因子在放款前即可获得）。"
            "每个因子使用其最近保存的分箱方案，否则使用最优单调分箱；KS、基尼系数和 p 值（似然比检验）来自违约对这些分箱的 logit 模型。"
            "点击列标题可排序。计算用时 {seconds:.2f} 秒。"
        ),
    },
    "factors.pick": {"en": "Factors to carry to the Model page", "zh": "带入“模型”页面的因子"},
    "binning.method": {"en": "Binning method", "zh": "分箱方法"},
    "binning.method.optimal": {"en": "Optimal monotonic", "zh": "最优单调分箱"},
    "binning.method.quantile": {"en": "Quantiles", "zh": "等频分箱"},
    "binning.method.levels": {"en": "One bin per level", "zh": "每个类别一箱"},
    "binning.method.manual": {"en": "Edit by hand", "zh": "手工调整"},
    "binning.method.saved": {"en": "Saved binning", "zh": "已保存的分箱"},
    "binning.saved_name": {"en": "Saved binning", "zh": "已保存的分箱方案"},
    "binning.bin_number": {"en": "Bin number", "zh": "分箱编号"},
    "binning.n": {"en": "Number of quantile bins", "zh": "等频分箱数"},
    "binning.cuts": {"en": "Cut points", "zh": "切分点"},
    "binning.cuts_help": {
        "en": "Numbers separated by commas; the bins are < first, [first, second), ..., >= last. Missing values always get their own bin.",
        "zh": "以逗号分隔的数字；分箱为 < 第一个、[第一个, 第二个)、……、>= 最后一个。缺失值始终单独成箱。",
    },
    "binning.missing": {"en": "missing", "zh": "缺失"},
    "binning.other": {"en": "other levels", "zh": "其他类别"},
    "binning.name": {"en": "Save this binning as", "zh": "分箱方案名称"},
    "binning.save": {"en": "Save binning", "zh": "保存分箱"},
    "binning.saved": {
        "en": (
            "Binning {name!r} of {factor} saved as version {version}: the ranking, stability and correlation now "
            "use it."
        ),
        "zh": "已将 {factor} 的分箱方案 {name!r} 保存为第 {version} 版：因子排序、稳定性和相关性分析现在使用该方案。",
    },
    "factors.split": {"en": "Compare", "zh": "比较方式"},
    "factors.split_random": {"en": "Train vs test (random)", "zh": "训练集与测试集（随机）"},
    "factors.split_time": {"en": "Earlier vs later origination", "zh": "早期与近期发放"},
    "factors.fraction_random": {"en": "Test share", "zh": "测试集占比"},
    "factors.fraction_time": {"en": "Share of the latest loans", "zh": "近期贷款占比"},
    "factors.sample_random_0": {"en": "train", "zh": "训练集"},
    "factors.sample_random_1": {"en": "test", "zh": "测试集"},
    "factors.sample_time_0": {"en": "earlier", "zh": "早期"},
    "factors.sample_time_1": {"en": "later", "zh": "近期"},
    "factors.samples_random": {
        "en": "{n0:,} loans in the {first} sample, {n1:,} in the {second} sample (seeded random split).",
        "zh": "{first}样本 {n0:,} 笔贷款，{second}样本 {n1:,} 笔（固定种子随机划分）。",
    },
    "factors.samples_time": {
        "en": "{n0:,} {first} loans (before {cutoff}) and {n1:,} {second} loans (from {cutoff} on).",
        "zh": "{first}贷款 {n0:,} 笔（{cutoff} 之前），{second}贷款 {n1:,} 笔（{cutoff} 起）。",
    },
    "factors.psi.stable": {"en": "stable", "zh": "稳定"},
    "factors.psi.minor_shift": {"en": "minor shift", "zh": "轻微变化"},
    "factors.psi.major_shift": {"en": "major shift", "zh": "显著变化"},
    "factors.psi_help": {
        "en": "CSI = Σ (second share − first share) × ln(second share / first share) over the bins: below 0.10 stable, 0.10-0.25 minor shift, above 0.25 major shift.",
        "zh": "CSI = Σ（第二样本占比 − 第一样本占比）× ln（第二样本占比 / 第一样本占比），对各分箱求和：低于 0.10 稳定，0.10-0.25 轻微变化，高于 0.25 显著变化。",
    },
    "factors.corr_pick": {"en": "Factors to compare", "zh": "参与比较的因子"},
    "factors.vif.ok": {"en": "fine", "zh": "正常"},
    "factors.vif.moderate": {"en": "moderate (5-10)", "zh": "中等（5-10）"},
    "factors.vif.high": {"en": "high (> 10): drop or merge", "zh": "过高（> 10）：建议剔除或合并"},
    "factors.corr_help": {
        "en": "Pearson correlations of the factors' WOE values (each factor binned as in the ranking, missing values included). A VIF above 10 means the factor is largely explained by the others.",
        "zh": "各因子 WOE 值之间的 Pearson 相关系数（分箱与因子排序一致，含缺失值）。VIF 高于 10 表示该因子在很大程度上可由其他因子解释。",
    },
    "binning.unknown_kind": {"en": "unknown factor kind {kind!r}", "zh": "未知的因子类型 {kind!r}"},
    "binning.unknown_method": {"en": "unknown binning method {method!r}", "zh": "未知的分箱方法 {method!r}"},
    "binning.method_kind": {
        "en": "the {method} binning does not apply to a {kind} factor",
        "zh": "{method} 分箱不适用于{kind}因子",
    },
    "binning.bad_n": {
        "en": "the number of quantile bins must be a whole number from 2 to {max} (got {n})",
        "zh": "等频分箱数必须是 2 到 {max} 之间的整数（当前为 {n}）",
    },
    "binning.no_cuts": {
        "en": "enter at least one cut point, e.g. 0.2, 0.5",
        "zh": "请至少输入一个切分点，例如 0.2, 0.5",
    },
    "binning.bad_cuts": {
        "en": "{token!r} is not a number: write cut points as numbers separated by commas, without thousands separators (e.g. 0.2, 0.5, 10000)",
        "zh": "{token!r} 不是数字：切分点请写成以逗号分隔的数字，不要使用千位分隔符（例如 0.2, 0.5, 10000）",
    },
    "binning.unassigned": {
        "en": "level {level!r} has no bin number: give every level a bin number",
        "zh": "类别 {level!r} 没有分箱编号：请为每个类别填写分箱编号",
    },
    "binning.too_many_levels": {
        "en": "{factor} has {levels:,} levels (at most {max}): mark it as numeric or ignore it",
        "zh": "{factor} 有 {levels:,} 个类别（最多 {max} 个）：请将其设为数值型或忽略",
    },
    "binning.bad_name": {
        "en": "give the binning a name of 1 to {max} characters",
        "zh": "请为分箱方案输入 1 到 {max} 个字符的名称",
    },
    "binning.not_found": {
        "en": "there is no saved binning {name!r} of {factor} in table {table!r}",
        "zh": "数据表 {table!r} 中没有 {factor} 的已保存分箱方案 {name!r}",
    },
    # --- Portfolio page ---
    "nav.portfolio": {"en": "Portfolio", "zh": "资产质量"},
    "portfolio.caption": {
        "en": "Portfolio quality of {table}, snapshot of {as_of}.",
        "zh": "{table} 的资产质量，数据截至 {as_of}。",
    },
    "portfolio.as_of": {"en": "As-of month", "zh": "统计月份"},
    "portfolio.preparing": {
        "en": "Preparing the monthly summary of {table} once for this import...",
        "zh": "正在为本次导入的 {table} 准备月度汇总（仅需一次）……",
    },
    "portfolio.period": {"en": "Trend period", "zh": "趋势区间"},
    "portfolio.all": {"en": "All", "zh": "全部"},
    "portfolio.dim.branch": {"en": "Branch", "zh": "网点"},
    "portfolio.dim.officer": {"en": "Loan officer", "zh": "客户经理"},
    "portfolio.dim.segment": {"en": "Segment", "zh": "客户类型"},
    "portfolio.dim.product": {"en": "Product", "zh": "产品"},
    "portfolio.dim.guarantee_method": {"en": "Guarantee method", "zh": "担保方式"},
    "portfolio.dim.repayment_method": {"en": "Repayment method", "zh": "还款方式"},
    "portfolio.kpi.loans": {"en": "Loans outstanding", "zh": "在贷笔数"},
    "portfolio.kpi.outstanding": {"en": "Gross outstanding", "zh": "贷款余额"},
    "portfolio.kpi.disbursed": {"en": "Disbursed in the month", "zh": "当月发放"},
    "portfolio.kpi.par30": {"en": "PAR30", "zh": "PAR30（逾期30天以上）"},
    "portfolio.kpi.par90": {"en": "PAR90", "zh": "PAR90（逾期90天以上）"},
    "portfolio.kpi.npl_ratio": {"en": "NPL ratio", "zh": "不良贷款率"},
    "portfolio.kpi.write_off_ratio": {"en": "Write-off ratio (12 months)", "zh": "核销率（近12个月）"},
    "portfolio.kpi.default_rate_12m": {"en": "12-month default rate", "zh": "12个月违约率"},
    "portfolio.help.loans": {
        "en": "Loans with a positive balance at the month's snapshot.",
        "zh": "月末快照中余额大于零的贷款笔数。",
    },
    "portfolio.help.outstanding": {
        "en": "Sum of the positive balances at the month's snapshot.",
        "zh": "月末快照中正余额之和。",
    },
    "portfolio.help.disbursed": {
        "en": "Loans appearing in the table for the first time this month, at their amount (or first recorded balance).",
        "zh": "本月首次出现在表中的贷款，按贷款金额（无金额列时按首次记录的余额）计。",
    },
    "portfolio.help.par30": {
        "en": "Balance of loans more than 30 days past due / gross outstanding.",
        "zh": "逾期超过30天的贷款余额 / 贷款总余额。",
    },
    "portfolio.help.par90": {
        "en": "Balance of loans more than 90 days past due / gross outstanding.",
        "zh": "逾期超过90天的贷款余额 / 贷款总余额。",
    },
    "portfolio.help.npl_ratio": {
        "en": "Balance classified substandard, doubtful or loss / gross outstanding.",
        "zh": "次级、可疑、损失类贷款余额 / 贷款总余额。",
    },
    "portfolio.help.write_off_ratio": {
        "en": "Write-offs of the last 12 months / average gross outstanding over those months (annualised while less history exists).",
        "zh": "近12个月核销金额 / 同期平均贷款余额（历史不足12个月时年化）。",
    },
    "portfolio.help.default_rate_12m": {
        "en": "Of the loans performing 12 months earlier, the share (by count) that defaulted since.",
        "zh": "12个月前正常履约的贷款中，此后发生违约的笔数占比。",
    },
    "portfolio.vs_year": {"en": "vs a year earlier: {change}", "zh": "较去年同期：{change}"},
    "portfolio.pp": {"en": "{value:+.2f} pp", "zh": "{value:+.2f} 个百分点"},
    "portfolio.red": {"en": "above the {limit} threshold", "zh": "高于预警线 {limit}"},
    "portfolio.derived": {
        "en": "This table has days past due but no five-category classification: the classes shown are the regulatory floor derived from days past due (any overdue: special mention; over 90 days: substandard; over 270: doubtful; over 360: loss).",
        "zh": "该表有逾期天数但没有五级分类：图中的分类是按逾期天数推定的监管下限（逾期即关注；超过90天次级；超过270天可疑；超过360天损失）。",
    },
    "portfolio.thresholds": {"en": "Red-flag thresholds", "zh": "预警阈值"},
    "portfolio.threshold_for": {"en": "{kpi}: red above (%)", "zh": "{kpi}：预警线（%）"},
    "portfolio.save_thresholds": {"en": "Save thresholds", "zh": "保存阈值"},
    "portfolio.thresholds_saved": {"en": "Thresholds saved.", "zh": "已保存预警阈值。"},
    "portfolio.tab_trends": {"en": "Trends", "zh": "趋势"},
    "portfolio.tab_classes": {"en": "Five categories", "zh": "五级分类"},
    "portfolio.tab_vintages": {"en": "Vintages", "zh": "账龄分析"},
    "portfolio.tab_rolls": {"en": "Roll rates", "zh": "迁徙率"},
    "portfolio.tab_breakdowns": {"en": "Breakdowns", "zh": "分维度"},
    "portfolio.tab_concentration": {"en": "Concentration", "zh": "集中度"},
    "portfolio.tab_export": {"en": "Export", "zh": "导出"},
    "portfolio.cohort_by": {"en": "Cohort", "zh": "批次"},
    "portfolio.cohort.quarter": {"en": "Origination quarter", "zh": "发放季度"},
    "portfolio.cohort.month": {"en": "Origination month", "zh": "发放月份"},
    "portfolio.curve": {"en": "Curve", "zh": "曲线"},
    "portfolio.vintage_note": {
        "en": "Share of each cohort's loans (by count) that defaulted, or were ever 30+ / 90+ days past due, by months on book; a curve stops where its youngest loans stop being observed.",
        "zh": "各批次贷款中（按笔数）已违约或曾逾期30天/90天以上的占比，按账龄（月）累计；曲线在该批次最晚发放的贷款不再有观测时截止。",
    },
    "portfolio.window": {"en": "Window (months)", "zh": "统计窗口（月）"},
    "portfolio.roll_note": {
        "en": "Share of the balance in each days-past-due bucket that is in each state one month later, pooled over the {window} months to the as-of month.",
        "zh": "各逾期档位的贷款余额在一个月后落入各状态的占比，按截至统计月份的 {window} 个月合并计算。",
    },
    "portfolio.state.current": {"en": "Current", "zh": "未逾期"},
    "portfolio.state.dpd_1_30": {"en": "1-30 days", "zh": "逾期1-30天"},
    "portfolio.state.dpd_31_60": {"en": "31-60 days", "zh": "逾期31-60天"},
    "portfolio.state.dpd_61_90": {"en": "61-90 days", "zh": "逾期61-90天"},
    "portfolio.state.dpd_91_180": {"en": "91-180 days", "zh": "逾期91-180天"},
    "portfolio.state.dpd_180_plus": {"en": "180+ days", "zh": "逾期180天以上"},
    "portfolio.state.written_off": {"en": "Written off", "zh": "核销"},
    "portfolio.state.paid_off": {"en": "Paid off / closed", "zh": "结清"},
    "portfolio.dimension": {"en": "Break down by", "zh": "分析维度"},
    "portfolio.measure": {"en": "Measure", "zh": "指标"},
    "portfolio.top_share": {"en": "Top 10 borrowers' share", "zh": "前十大借款人余额占比"},
    "portfolio.top_loans_share": {
        "en": "Top 10 loans' share (no borrower id)",
        "zh": "前十大贷款余额占比（无客户编号）",
    },
    "portfolio.hhi_note": {
        "en": "Herfindahl index by dimension: the sum of squared shares of outstanding (1 = everything in one group).",
        "zh": "各维度赫芬达尔指数（HHI）：各组余额占比的平方和（1 表示全部集中在一组）。",
    },
    "portfolio.download_excel": {"en": "Download Excel workbook", "zh": "下载 Excel 工作簿"},
    "portfolio.export_note": {
        "en": "The figures on this page for the chosen filters: one sheet per table.",
        "zh": "本页在当前筛选条件下的数据：每张表一个工作表。",
    },
    "portfolio.loan_level": {
        "en": "{table} has no monthly performance history (missing: {missing}). Trends, vintages and roll rates need a loan x month table with loan id, snapshot date, balance and days past due or classification, such as sample_performance. Shown instead: what loan-level data allows, default rates by origination quarter and by segment.",
        "zh": "{table} 没有按月的贷款表现数据（缺少：{missing}）。趋势、账龄和迁徙率需要“贷款 x 月份”的表（含贷款编号、统计日期、余额以及逾期天数或五级分类），例如 sample_performance。下面显示贷款层面数据能给出的内容：按发放季度和各维度的违约率。",
    },
    "portfolio.no_definition": {
        "en": "No default definition for {table}: set one on the Data page to see default rates.",
        "zh": "{table} 还没有违约定义：请在“数据”页面设置后查看违约率。",
    },
    "portfolio.col.month": {"en": "Month", "zh": "月份"},
    "portfolio.col.value": {"en": "Group", "zh": "分组"},
    "portfolio.col.loans": {"en": "Loans", "zh": "笔数"},
    "portfolio.col.outstanding": {"en": "Outstanding", "zh": "余额"},
    "portfolio.col.share": {"en": "Share", "zh": "占比"},
    "portfolio.col.par30": {"en": "PAR30", "zh": "PAR30"},
    "portfolio.col.par90": {"en": "PAR90", "zh": "PAR90"},
    "portfolio.col.npl_ratio": {"en": "NPL ratio", "zh": "不良率"},
    "portfolio.col.default_rate_12m": {"en": "12-month default rate", "zh": "12个月违约率"},
    "portfolio.col.cohort_loans": {"en": "Loans 12 months earlier", "zh": "12个月前笔数"},
    "portfolio.col.cohort_defaults": {"en": "Defaults since", "zh": "此后违约笔数"},
    "portfolio.col.disbursed": {"en": "Disbursed", "zh": "发放金额"},
    "portfolio.col.disbursed_loans": {"en": "Loans disbursed", "zh": "发放笔数"},
    "portfolio.col.write_offs": {"en": "Write-offs", "zh": "核销金额"},
    "portfolio.col.write_offs_12m": {"en": "Write-offs (12 months)", "zh": "核销金额（近12个月）"},
    "portfolio.col.write_off_ratio": {"en": "Write-off ratio", "zh": "核销率"},
    "portfolio.col.par30_balance": {"en": "Balance 30+ days", "zh": "逾期30天以上余额"},
    "portfolio.col.par90_balance": {"en": "Balance 90+ days", "zh": "逾期90天以上余额"},
    "portfolio.col.npl_balance": {"en": "Non-performing balance", "zh": "不良余额"},
    "portfolio.col.category": {"en": "Class", "zh": "分类"},
    "portfolio.col.rank": {"en": "Rank", "zh": "等级"},
    "portfolio.col.balance": {"en": "Balance", "zh": "余额"},
    "portfolio.col.cohort": {"en": "Cohort", "zh": "批次"},
    "portfolio.col.cohort_start": {"en": "Cohort start", "zh": "批次起始"},
    "portfolio.col.mob": {"en": "Months on book", "zh": "账龄（月）"},
    "portfolio.col.known": {"en": "Known outcome", "zh": "结果已知"},
    "portfolio.col.defaults": {"en": "Defaults", "zh": "违约笔数"},
    "portfolio.col.default_rate": {"en": "Default rate", "zh": "违约率"},
    "portfolio.col.ever30_rate": {"en": "Ever 30+ days", "zh": "曾逾期30天以上"},
    "portfolio.col.ever90_rate": {"en": "Ever 90+ days", "zh": "曾逾期90天以上"},
    "portfolio.col.from_state": {"en": "From", "zh": "起始状态"},
    "portfolio.col.to_state": {"en": "To (next month)", "zh": "次月状态"},
    "portfolio.col.borrower": {"en": "Borrower", "zh": "借款人"},
    "portfolio.col.dimension": {"en": "Dimension", "zh": "维度"},
    "portfolio.col.hhi": {"en": "HHI", "zh": "HHI"},
    "portfolio.col.groups": {"en": "Groups", "zh": "组数"},
    "portfolio.col.kpi": {"en": "Figure", "zh": "指标"},
    "portfolio.col.previous_month": {"en": "Previous month", "zh": "上月"},
    "portfolio.col.year_ago": {"en": "A year earlier", "zh": "去年同期"},
    "portfolio.col.change_month": {"en": "Change vs previous month", "zh": "较上月变化"},
    "portfolio.col.change_year": {"en": "Change vs a year earlier", "zh": "较去年同期变化"},
    "portfolio.missing_role": {
        "en": "table {table!r} has no {role} column: assign that role on the Data page (or pass --role {role}=COLUMN on the command line)",
        "zh": "数据表 {table!r} 没有 {role} 字段：请在“数据”页面指定该角色（命令行可用 --role {role}=列名）",
    },
    "portfolio.bad_role": {
        "en": "{role!r} is not a role the portfolio figures use: choose one of {roles}",
        "zh": "{role!r} 不是资产质量分析使用的角色：请从 {roles} 中选择",
    },
    "portfolio.bad_role_arg": {
        "en": "--role takes ROLE=COLUMN (e.g. balance=outstanding), not {value!r}",
        "zh": "--role 的格式是 角色=列名（例如 balance=outstanding），而不是 {value!r}",
    },
    "portfolio.not_numeric": {
        "en": "the {role} column {column!r} must hold numbers, but its type is {type}",
        "zh": "{role} 字段 {column!r} 应为数值，但其类型是 {type}",
    },
    "portfolio.no_snapshots": {
        "en": "table {table!r} has no readable snapshot dates",
        "zh": "数据表 {table!r} 没有可识别的统计日期",
    },
    "portfolio.no_snapshot": {
        "en": "table {table!r} has no snapshot in the month of {date}: snapshots run from {first} to {last}",
        "zh": "数据表 {table!r} 在 {date} 所在月份没有快照：快照范围为 {first} 至 {last}",
    },
    "portfolio.bad_date": {
        "en": "{value!r} is not a date: use YYYY-MM-DD",
        "zh": "{value!r} 不是日期：请使用 YYYY-MM-DD 格式",
    },
    "portfolio.bad_cohort": {
        "en": "{by!r} is not a cohort: use quarter or month",
        "zh": "{by!r} 不是有效的批次：请用 quarter 或 month",
    },
    "portfolio.no_dpd": {
        "en": "table {table!r} has no days-past-due column: PAR and roll rates need one",
        "zh": "数据表 {table!r} 没有逾期天数字段：PAR 和迁徙率需要该字段",
    },
    "portfolio.bad_window": {
        "en": "the window must be a whole number of months, 1 or more, not {window!r}",
        "zh": "统计窗口必须是不小于 1 的整数月，而不是 {window!r}",
    },
    "portfolio.no_dimension": {
        "en": "table {table!r} has no {dimension} column",
        "zh": "数据表 {table!r} 没有 {dimension} 字段",
    },
    "portfolio.bad_kpi": {
        "en": "{kpi!r} is not a ratio figure that takes a threshold",
        "zh": "{kpi!r} 不是可设预警线的比率指标",
    },
    "portfolio.bad_threshold": {
        "en": "the threshold of {kpi} must be between 0% and 100%, not {value!r}",
        "zh": "{kpi} 的预警线必须在 0% 到 100% 之间，而不是 {value!r}",
    },
    "portfolio.vs_month": {"en": "vs previous month", "zh": "较上月"},
    "portfolio.switch": {"en": "Show {table} (monthly performance data)", "zh": "切换到 {table}（按月表现数据）"},
    "portfolio.download_html": {"en": "Download one-page HTML report", "zh": "下载单页 HTML 报告"},
    "portfolio.report_title": {"en": "Portfolio quality report: {table}", "zh": "资产质量报告：{table}"},
    "portfolio.kpi_table": {"en": "Key figures", "zh": "主要指标"},
    "portfolio.heatmap": {"en": "{measure} by {dimension} and month", "zh": "各{dimension}逐月{measure}"},
    "portfolio.summary": {
        "en": "{loans:,} loans, {defaults:,} defaults, default rate {rate}",
        "zh": "{loans:,} 笔贷款，违约 {defaults:,} 笔，违约率 {rate}",
    },
    "chart.month": {"en": "Month", "zh": "月份"},
    "chart.ratio": {"en": "Ratio", "zh": "比率"},
    "chart.amount": {"en": "Amount", "zh": "金额"},
    "chart.series": {"en": "Series", "zh": "指标"},
    "chart.balance": {"en": "Balance", "zh": "余额"},
    "chart.class": {"en": "Class", "zh": "分类"},
    "chart.mob": {"en": "Months on book", "zh": "账龄（月）"},
    "chart.cohort": {"en": "Cohort", "zh": "批次"},
    "chart.from": {"en": "From", "zh": "起始状态"},
    "chart.to": {"en": "To (next month)", "zh": "次月状态"},
    "chart.share": {"en": "Share", "zh": "占比"},
    # --- Expert vs model and what-if ---
    "expert.bad_number": {"en": "{column}: '{value}' is not a number.", "zh": "{column}：“{value}”不是数字。"},
    "expert.bad_date": {
        "en": "{column}: '{value}' is not a date (YYYY-MM-DD).",
        "zh": "{column}：“{value}”不是日期（YYYY-MM-DD）。",
    },
    "expert.bad_operator": {
        "en": "Unknown rule operator '{op}'; use one of: {allowed}.",
        "zh": "未知的规则运算符“{op}”；可用：{allowed}。",
    },
    "expert.no_column": {
        "en": "The rule uses a column '{column}' that this table does not have.",
        "zh": "规则使用的字段“{column}”在此数据表中不存在。",
    },
    "expert.needs_number": {
        "en": "'{op}' compares numbers or dates, but {column} is text: use =, !=, in or not in.",
        "zh": "“{op}”只能比较数字或日期，而 {column} 是文本：请使用 =、!=、in 或 not in。",
    },
    "expert.no_value": {"en": "The rule '{column} {op}' needs a value.", "zh": "规则“{column} {op}”需要一个取值。"},
    "expert.bad_join": {
        "en": "Rules are joined with AND or OR, not '{join}'.",
        "zh": "规则之间只能用 AND 或 OR 连接，不能用“{join}”。",
    },
    "expert.range_needs_number": {
        "en": "{column} is text: give points per level, not a numeric range.",
        "zh": "{column} 是文本字段：请按取值给分，而不是按数值区间。",
    },
    "expert.bad_points": {
        "en": "{column}: points must be a number, not '{value}'.",
        "zh": "{column}：分值必须是数字，不能是“{value}”。",
    },
    "expert.bad_grade": {
        "en": "Each grade needs a name and a minimum number of points.",
        "zh": "每个等级都需要名称和最低分。",
    },
    "expert.approve_not_found": {
        "en": "No value of {column} means approval; found: {found}. Name the values that mean approval.",
        "zh": "{column} 中没有表示同意的取值；现有取值：{found}。请指定表示同意的取值。",
    },
    "expert.score_not_numeric": {
        "en": "{column} holds {type}, not numbers: it cannot be compared with a score threshold.",
        "zh": "{column} 的类型是 {type}，不是数字：无法与评分门槛比较。",
    },
    "expert.bad_threshold": {
        "en": "The approval threshold must be a number, not '{value}'.",
        "zh": "同意门槛必须是数字，不能是“{value}”。",
    },
    "expert.empty_rules": {
        "en": "The rule set is empty: add knock-out rules, or scorecard points with an approval threshold.",
        "zh": "规则集为空：请添加否决规则，或添加评分卡分值和同意门槛。",
    },
    "expert.no_points": {
        "en": "An approval threshold needs scorecard points.",
        "zh": "设置同意门槛需要先有评分卡分值。",
    },
    "expert.unknown_kind": {"en": "Unknown kind of expert rule set '{kind}'.", "zh": "未知的专家规则集类型“{kind}”。"},
    "expert.bad_name": {
        "en": "Give the rule set a name (up to 80 characters).",
        "zh": "请为规则集命名（不超过 80 个字符）。",
    },
    "expert.no_rule_set": {
        "en": "There is no saved rule set named '{name}'.",
        "zh": "没有名为“{name}”的已保存规则集。",
    },
    "decisions.bad_economics": {
        "en": "{name} = {value} is out of range (loss given default 0-1, margin -1 to 1, exposure 0 or more).",
        "zh": "{name} = {value} 超出范围（违约损失率 0-1，利差 -1 到 1，敞口不小于 0）。",
    },
    "decisions.bad_outcome": {
        "en": "Unknown outcome '{outcome}': use actual or simulated.",
        "zh": "未知的结果口径“{outcome}”：请使用 actual（实际）或 simulated（模拟）。",
    },
    "decisions.no_default": {
        "en": "{table} has no default definition yet: define what default means on the Data page.",
        "zh": "{table} 还没有违约定义：请在“数据”页面定义违约口径。",
    },
    "decisions.no_role": {
        "en": "No column of this table has the role '{role}': set it on the Data page.",
        "zh": "此数据表没有角色为“{role}”的字段：请在“数据”页面设置。",
    },
    "decisions.bad_date": {"en": "'{value}' is not a date (YYYY-MM-DD).", "zh": "“{value}”不是日期（YYYY-MM-DD）。"},
    "decisions.bad_cutoff": {
        "en": "The PD cutoff must be a number above 0 and at most 1, not {value}.",
        "zh": "违约概率临界值必须大于 0 且不超过 1，不能是 {value}。",
    },
    "decisions.no_scaling": {
        "en": "A score cutoff needs the model's score scaling.",
        "zh": "按评分设定临界值需要模型的评分刻度。",
    },
    "decisions.bad_cutoff_kind": {
        "en": "Unknown kind of cutoff '{kind}': use pd, score or approval_rate.",
        "zh": "未知的临界值类型“{kind}”：请使用 pd、score 或 approval_rate。",
    },
    "decisions.bad_rate": {
        "en": "The approval rate must lie strictly between 0 and 1, not {value}.",
        "zh": "通过率必须在 0 和 1 之间（不含端点），不能是 {value}。",
    },
    "decisions.no_loans": {
        "en": "No applications with both decisions (and, where needed, a known outcome) match these filters.",
        "zh": "没有符合筛选条件、且两种决策（以及需要时的结果）都已知的申请。",
    },
    "decisions.bad_group": {
        "en": "Officer consistency is grouped by officer or branch, not '{by}'.",
        "zh": "一致性分析只能按客户经理或网点分组，不能按“{by}”。",
    },
    "whatif.empty_factor": {"en": "{column} has no values in this table.", "zh": "{column} 在此数据表中没有取值。"},
    "whatif.no_loan_id": {
        "en": "{table} has no loan id column: set the loan id role on the Data page.",
        "zh": "{table} 没有贷款编号字段：请在“数据”页面设置贷款编号角色。",
    },
    "whatif.no_loan": {"en": "No loan with id '{loan_id}'.", "zh": "没有编号为“{loan_id}”的贷款。"},
    "whatif.no_pd": {
        "en": "The model cannot score this applicant (a factor value is missing or out of range).",
        "zh": "模型无法为该申请人评分（有因子取值缺失或超出范围）。",
    },
    # --- Model page ---
    "nav.model": {"en": "Model", "zh": "模型"},
    "model.bad_fraction": {
        "en": "the test share must be between 5% and 95% (got {fraction})",
        "zh": "测试集比例须在 5% 到 95% 之间（当前为 {fraction}）",
    },
    "model.bad_name": {
        "en": "give the model a name of 1 to {max} characters",
        "zh": "请为模型取一个 1 到 {max} 个字符的名称",
    },
    "model.bad_output": {
        "en": "cannot write {path!r}: the output file must end in {kinds}",
        "zh": "无法写入 {path!r}：输出文件的扩展名须为 {kinds}",
    },
    "model.bad_reference": {
        "en": "{item!r} is not COLUMN=LEVEL of a factor listed in --categorical",
        "zh": "{item!r} 不是 --categorical 中因子的 列=水平 形式",
    },
    "model.categorical_not_factor": {
        "en": "{column!r} is listed in --categorical but not in --factors",
        "zh": "{column!r} 列在 --categorical 中，但不在 --factors 中",
    },
    "model.bad_scaling": {
        "en": "base odds and points to double the odds must be positive numbers",
        "zh": "基准好坏比和翻倍分数（PDO）必须是正数",
    },
    "model.bad_split_date": {
        "en": "{date!r} is not a date: use YYYY-MM-DD",
        "zh": "{date!r} 不是日期：请使用 YYYY-MM-DD 格式",
    },
    "model.bad_thresholds": {
        "en": "the p-value to enter ({enter}) must be positive and not above the p-value to stay ({stay}), which must be below 1",
        "zh": "进入的 p 值（{enter}）须为正且不大于保留的 p 值（{stay}），后者须小于 1",
    },
    "model.collinear": {
        "en": "these terms are collinear (one is a linear combination of the others): {terms}; remove one of the factors",
        "zh": "这些项共线（其中一项是其他项的线性组合）：{terms}；请移除其中一个因子",
    },
    "model.compare_two": {
        "en": "choose at least two saved versions to compare",
        "zh": "请至少选择两个已保存的版本进行比较",
    },
    "model.dropped_missing": {
        "en": "{rows:,} training loans with a missing value in {columns} were left out of the fit",
        "zh": "{rows:,} 笔训练贷款在 {columns} 上有缺失值，未参与拟合",
    },
    "model.duplicate_factor": {"en": "factor {column!r} is chosen twice", "zh": "因子 {column!r} 被选择了两次"},
    "model.empty_test": {
        "en": "the test sample is empty: choose a smaller test share or an earlier split date",
        "zh": "测试集为空：请减小测试比例或选择更早的切分日期",
    },
    "model.empty_train": {
        "en": "the training sample is empty: check the sample choice and the split date",
        "zh": "训练集为空：请检查样本设置和切分日期",
    },
    "model.factor_is_outcome": {
        "en": "{column!r} defines the outcome (or booked loans) and cannot be a factor",
        "zh": "{column!r} 用于定义违约结果（或是否放款），不能作为因子",
    },
    "model.few_events": {
        "en": "only {events:,} loans in the smaller outcome class for {params} parameters: fewer than 10 per parameter, so the estimates are unstable; use fewer factors or levels",
        "zh": "较少的一类结果只有 {events:,} 笔，却有 {params} 个参数：每个参数不足 10 个事件，估计不稳定；请减少因子或水平",
    },
    "model.high_vif": {
        "en": "{term} has a variance inflation factor of {vif} (above 10): it is nearly a combination of other factors, so its coefficient is unreliable",
        "zh": "{term} 的方差膨胀因子为 {vif}（超过 10）：它几乎是其他因子的组合，其系数不可靠",
    },
    "model.input_missing_column": {
        "en": "the loans to score have no column {column!r}, which the model needs",
        "zh": "待评分的贷款数据缺少模型需要的列 {column!r}",
    },
    "model.level_all_events": {
        "en": "every loan with {column} = {level!r} ({loans:,} loans) defaulted: its coefficient tends to infinity; merge the level with another",
        "zh": "{column} = {level!r} 的贷款（{loans:,} 笔）全部违约：其系数趋于无穷；请将该水平与其他水平合并",
    },
    "model.level_no_events": {
        "en": "no loan with {column} = {level!r} ({loans:,} loans) defaulted: its coefficient tends to minus infinity; merge the level with another",
        "zh": "{column} = {level!r} 的贷款（{loans:,} 笔）没有违约：其系数趋于负无穷；请将该水平与其他水平合并",
    },
    "model.log_not_positive": {
        "en": "{column} has {rows:,} training values that are zero or negative: the log treatment needs positive numbers",
        "zh": "{column} 有 {rows:,} 个训练样本值为零或负数：取对数处理需要正数",
    },
    "model.no_binning": {
        "en": "choose a saved binning for the WOE of {column}",
        "zh": "请为 {column} 的 WOE 选择一个已保存的分箱方案",
    },
    "model.no_convergence": {
        "en": "the fit did not converge in {iterations} iterations: the estimates may be wrong (often caused by separation or collinear factors)",
        "zh": "拟合在 {iterations} 次迭代内未收敛：估计可能有误（常因完全分离或因子共线所致）",
    },
    "model.no_date_column": {
        "en": "table {table!r} has no origination date column for an out-of-time test: set the role on the Data page",
        "zh": "数据表 {table!r} 没有放款日期列，无法做跨时间检验：请在“数据”页面设置列角色",
    },
    "model.no_factors": {"en": "choose at least one factor", "zh": "请至少选择一个因子"},
    "model.not_found": {"en": "there is no saved model {name!r}{version}", "zh": "没有已保存的模型 {name!r}{version}"},
    "model.not_numeric": {
        "en": "{column} is not a number column (type {type}): treat it as categorical",
        "zh": "{column} 不是数值列（类型 {type}）：请按类别变量处理",
    },
    "model.one_level": {
        "en": "{column} has only one level or bin among the training loans: it cannot explain default",
        "zh": "{column} 在训练贷款中只有一个水平或分箱：无法解释违约",
    },
    "model.quasi_separation": {
        "en": "separation: some outcomes are predicted perfectly by {factors}, so their coefficients are meaningless (they tend to infinity); merge levels or drop the factor",
        "zh": "分离问题：{factors} 能完美预测部分结果，其系数没有意义（趋于无穷）；请合并水平或移除该因子",
    },
    "model.sampled": {
        "en": "the fit used a seeded random sample of {rows:,} of the {total:,} training loans (row limit); validation uses all loans",
        "zh": "拟合使用了 {total:,} 笔训练贷款中的 {rows:,} 笔随机样本（行数上限，固定种子）；验证使用全部贷款",
    },
    "model.separation": {
        "en": "perfect separation: every outcome is predicted exactly by {factors}, so the estimates are meaningless; remove the factor or check it for leakage",
        "zh": "完全分离：{factors} 能准确预测每一个结果，估计没有意义；请移除该因子或检查是否存在信息泄露",
    },
    "model.target_not_binary": {
        "en": "target {column!r} is not 0/1 or true/false (values: {values}): name the values that mean default with --positive",
        "zh": "目标列 {column!r} 不是 0/1 或 true/false（取值：{values}）：请用 --positive 指定表示违约的取值",
    },
    "model.too_many_levels": {
        "en": "{column} has {levels:,} levels (more than {max}): use the WOE of a binning instead",
        "zh": "{column} 有 {levels:,} 个水平（超过 {max} 个）：请改用分箱的 WOE",
    },
    "model.train_one_class": {
        "en": "the {loans:,} training loans have one outcome class only: the model needs both defaults and non-defaults",
        "zh": "{loans:,} 笔训练贷款只有一类结果：模型需要同时有违约和未违约的贷款",
    },
    "model.unknown_criterion": {
        "en": "unknown selection criterion {criterion!r}: use aic or p",
        "zh": "未知的筛选准则 {criterion!r}：请使用 aic 或 p",
    },
    "model.unknown_direction": {
        "en": "unknown stepwise direction {direction!r}: use forward, backward or both",
        "zh": "未知的逐步方向 {direction!r}：请使用 forward、backward 或 both",
    },
    "model.unknown_holdout": {
        "en": "unknown sample choice {holdout!r}: use none, random or time",
        "zh": "未知的样本方式 {holdout!r}：请使用 none、random 或 time",
    },
    "model.unknown_method": {
        "en": "unknown fit method {method!r}: use auto, cells or rows",
        "zh": "未知的拟合方法 {method!r}：请使用 auto、cells 或 rows",
    },
    "model.unknown_reference": {
        "en": "{column} has no level {level!r} among the training loans (levels: {levels})",
        "zh": "{column} 的训练贷款中没有水平 {level!r}（水平：{levels}）",
    },
    "model.unknown_treatment": {
        "en": "unknown treatment {treatment!r} for {column}: use numeric, log, categorical or woe",
        "zh": "{column} 的处理方式 {treatment!r} 未知：请使用 numeric、log、categorical 或 woe",
    },
    "model.unscored": {
        "en": "{rows:,} test loans could not be scored (a missing value, or a level or bin unseen in training) and are left out of the test figures",
        "zh": "{rows:,} 笔测试贷款无法评分（有缺失值，或出现训练中未见的水平或分箱），未计入测试指标",
    },
    "decisions.cli_expert": {
        "en": "Give the expert side as --expert-column COL (with --approve VALUE ...) or --rules NAME, not both.",
        "zh": "请用 --expert-column 字段（可加 --approve 取值 ...）或 --rules 规则集名 指定专家一方，二者只能选一。",
    },
    "decisions.cli_cutoff": {
        "en": "Give either --cutoff or --approval-rate, not both.",
        "zh": "--cutoff 与 --approval-rate 只能指定一个。",
    },
    "decisions.cli_no_rate": {
        "en": "The expert approves {rate:.0%} of the applications, so there is no approval rate to match: give --cutoff or --approval-rate.",
        "zh": "专家对 {rate:.0%} 的申请给出同意，无法按相同通过率比较：请指定 --cutoff 或 --approval-rate。",
    },
    "model.outcome.flag": {
        "en": "Default: {column} is {values} (the table's saved default definition; change it on the Data page)",
        "zh": "违约口径：{column} 为 {values}（数据表已保存的违约定义；可在“数据”页面修改）",
    },
    "model.outcome.dpd": {
        "en": "Default: {column} of at least {threshold} days (the table's saved default definition; change it on the Data page)",
        "zh": "违约口径：{column} 至少 {threshold} 天（数据表已保存的违约定义；可在“数据”页面修改）",
    },
    "model.outcome.classification": {
        "en": "Default: {column} is {labels} (the table's saved default definition; change it on the Data page)",
        "zh": "违约口径：{column} 为 {labels}（数据表已保存的违约定义；可在“数据”页面修改）",
    },
    "model.factors": {
        "en": "Factors",
        "zh": "因子",
    },
    "model.pick": {
        "en": "Choose factors (picked on the Risk factors page appear here)",
        "zh": "选择因子（在“风险因子”页面选中的因子会出现在这里）",
    },
    "model.treatment": {
        "en": "Treatment",
        "zh": "处理方式",
    },
    "model.treatment.numeric": {
        "en": "Number as it is",
        "zh": "原始数值",
    },
    "model.treatment.log": {
        "en": "Log of the number",
        "zh": "取对数",
    },
    "model.treatment.categorical": {
        "en": "Categories (dummies)",
        "zh": "类别（哑变量）",
    },
    "model.treatment.woe": {
        "en": "WOE of a saved binning",
        "zh": "已保存分箱的 WOE",
    },
    "model.reference": {
        "en": "Reference level",
        "zh": "参照水平",
    },
    "model.binning": {
        "en": "Saved binning",
        "zh": "已保存的分箱",
    },
    "model.sample": {
        "en": "Sample",
        "zh": "样本",
    },
    "model.holdout.none": {
        "en": "All loans (no test sample)",
        "zh": "全部贷款（不留测试集）",
    },
    "model.holdout.random": {
        "en": "Random holdout",
        "zh": "随机留出测试集",
    },
    "model.holdout.time": {
        "en": "Out of time",
        "zh": "跨时间检验",
    },
    "model.test_share": {
        "en": "Test share",
        "zh": "测试集比例",
    },
    "model.seed": {
        "en": "Seed",
        "zh": "随机种子",
    },
    "model.split_date": {
        "en": "Train before, test from",
        "zh": "此日期前训练，此日期起测试",
    },
    "model.fit": {
        "en": "Fit the model",
        "zh": "拟合模型",
    },
    "model.fitting": {
        "en": "Fitting the logit model and validating it ...",
        "zh": "正在拟合并验证 Logit 模型……",
    },
    "model.stale": {
        "en": "The choices above changed since this fit: press Fit the model to update it.",
        "zh": "上方设置在本次拟合后已更改：请点击“拟合模型”更新。",
    },
    "model.train": {
        "en": "train",
        "zh": "训练集",
    },
    "model.test": {
        "en": "test",
        "zh": "测试集",
    },
    "model.converged.True": {
        "en": "yes",
        "zh": "是",
    },
    "model.converged.False": {
        "en": "no",
        "zh": "否",
    },
    "model.method.cells": {
        "en": "fitted on {cells:,} aggregated cells (exactly the loan-level fit)",
        "zh": "基于 {cells:,} 个聚合单元拟合（与逐笔拟合结果完全相同）",
    },
    "model.method.rows": {
        "en": "fitted loan by loan",
        "zh": "逐笔贷款拟合",
    },
    "model.fit_line": {
        "en": "Log-likelihood {llf:,.2f} (intercept only {llnull:,.2f}); LR chi² {lr_chi2:,.1f} on {lr_df} df, p = {lr_p:.2e}; AIC {aic:,.1f}; BIC {bic:,.1f}; {iterations} iterations, converged: {converged}; {how}. The tiles show the test sample when there is one; cross-validated AUC {cv:.3f}.",
        "zh": "对数似然 {llf:,.2f}（仅截距 {llnull:,.2f}）；似然比卡方 {lr_chi2:,.1f}，自由度 {lr_df}，p = {lr_p:.2e}；AIC {aic:,.1f}；BIC {bic:,.1f}；迭代 {iterations} 次，收敛：{converged}；{how}。有测试集时指标卡显示测试集结果；交叉验证 AUC {cv:.3f}。",
    },
    "model.unsaved": {
        "en": "unsaved",
        "zh": "未保存",
    },
    "model.tab.validation": {
        "en": "Validation",
        "zh": "模型验证",
    },
    "model.tab.stepwise": {
        "en": "Stepwise selection",
        "zh": "逐步回归",
    },
    "model.tab.scorecard": {
        "en": "Scorecard",
        "zh": "评分卡",
    },
    "model.tab.versions": {
        "en": "Save and compare",
        "zh": "保存与比较",
    },
    "model.tab.export": {
        "en": "Export",
        "zh": "导出",
    },
    "model.gains_help": {
        "en": "Gains and lift by decile of the {sample} sample, riskiest first: capture is the share of all defaults in the riskiest deciles so far.",
        "zh": "{sample}按风险十分位的增益与提升（风险最高在前）：捕获率为截至该十分位捕获的违约占全部违约的比例。",
    },
    "model.cv": {
        "en": "{k}-fold cross-validated AUC on {loans:,} training loans: {mean:.3f} (standard deviation {std:.3f}).",
        "zh": "{loans:,} 笔训练贷款上的 {k} 折交叉验证 AUC：{mean:.3f}（标准差 {std:.3f}）。",
    },
    "model.direction": {
        "en": "Direction",
        "zh": "方向",
    },
    "model.direction.forward": {
        "en": "Forward",
        "zh": "向前",
    },
    "model.direction.backward": {
        "en": "Backward",
        "zh": "向后",
    },
    "model.direction.both": {
        "en": "Both ways",
        "zh": "双向",
    },
    "model.criterion": {
        "en": "Criterion",
        "zh": "准则",
    },
    "model.criterion.aic": {
        "en": "AIC",
        "zh": "AIC",
    },
    "model.criterion.p": {
        "en": "p-values (enter 0.05, stay 0.10)",
        "zh": "p 值（进入 0.05，保留 0.10）",
    },
    "model.stepwise_run": {
        "en": "Run stepwise selection on the factors above",
        "zh": "对上方因子进行逐步回归",
    },
    "model.stepwise_running": {
        "en": "Fitting the candidate models ...",
        "zh": "正在拟合候选模型……",
    },
    "model.stepwise_result": {
        "en": "Selected: {factors} ({seconds:.1f} s).",
        "zh": "入选因子：{factors}（{seconds:.1f} 秒）。",
    },
    "model.stepwise_use": {
        "en": "Use the selected factors",
        "zh": "使用入选因子",
    },
    "model.action.start": {
        "en": "start",
        "zh": "起点",
    },
    "model.action.add": {
        "en": "add",
        "zh": "加入",
    },
    "model.action.remove": {
        "en": "remove",
        "zh": "移除",
    },
    "model.base_score": {
        "en": "Base score",
        "zh": "基准分",
    },
    "model.base_odds": {
        "en": "Base odds (good:bad)",
        "zh": "基准好坏比（好:坏）",
    },
    "model.pdo": {
        "en": "Points to double the odds (PDO)",
        "zh": "好坏比翻倍所需分数（PDO）",
    },
    "model.scorecard_help": {
        "en": "Score = base points + the points of each attribute (points per unit times the value for a number). Factor = PDO / ln 2 = {factor:.4f}; offset = base score - factor x ln(base odds) = {offset:.2f}.",
        "zh": "总分 = 基础分 + 各属性分值（数值型因子为每单位分值乘以取值）。因子 = PDO / ln 2 = {factor:.4f}；偏移 = 基准分 - 因子 x ln(基准好坏比) = {offset:.2f}。",
    },
    "model.download_csv": {
        "en": "Download the scorecard (CSV)",
        "zh": "下载评分卡（CSV）",
    },
    "model.download_excel": {
        "en": "Download the scorecard (Excel)",
        "zh": "下载评分卡（Excel）",
    },
    "model.download_json": {
        "en": "Download the model (JSON)",
        "zh": "下载模型（JSON）",
    },
    "model.download_sql": {
        "en": "Download the SQL",
        "zh": "下载 SQL",
    },
    "model.sql_help": {
        "en": "One SELECT that computes PD, score and grade per loan in DuckDB or any SQL database (values inlined; NULL where a factor cannot be scored).",
        "zh": "一条 SELECT 语句，可在 DuckDB 或任何 SQL 数据库中逐笔计算 PD、评分和等级（数值已内嵌；因子无法评分时为 NULL）。",
    },
    "model.name": {
        "en": "Model name",
        "zh": "模型名称",
    },
    "model.save": {
        "en": "Save a version",
        "zh": "保存版本",
    },
    "model.saved": {
        "en": "Model {name!r} saved as version {version}.",
        "zh": "模型 {name!r} 已保存为第 {version} 版。",
    },
    "model.compare": {
        "en": "Compare saved versions",
        "zh": "比较已保存的版本",
    },
    "model.delete_pick": {
        "en": "Version to delete",
        "zh": "要删除的版本",
    },
    "model.delete": {
        "en": "Delete",
        "zh": "删除",
    },
    "model.deleted": {
        "en": "{label} deleted.",
        "zh": "{label} 已删除。",
    },
    "model.chart.fpr": {
        "en": "Goods rejected (false positive rate)",
        "zh": "被拒绝的好客户（假阳性率）",
    },
    "model.chart.tpr": {
        "en": "Defaults caught (true positive rate)",
        "zh": "识别出的违约（真阳性率）",
    },
    "model.chart.sample": {
        "en": "Sample",
        "zh": "样本",
    },
    "model.chart.cum_bads": {
        "en": "Defaults (cumulative share)",
        "zh": "违约（累计占比）",
    },
    "model.chart.cum_goods": {
        "en": "Non-defaults (cumulative share)",
        "zh": "未违约（累计占比）",
    },
    "model.chart.population": {
        "en": "Loans, riskiest first",
        "zh": "贷款（风险最高在前）",
    },
    "model.chart.cum_share": {
        "en": "Cumulative share",
        "zh": "累计占比",
    },
    "model.chart.mean_pd": {
        "en": "Mean predicted PD",
        "zh": "平均预测违约概率",
    },
    "model.chart.observed_rate": {
        "en": "Observed default rate",
        "zh": "实际违约率",
    },
    "model.chart.goods": {
        "en": "Non-defaults",
        "zh": "未违约",
    },
    "model.chart.bads": {
        "en": "Defaults",
        "zh": "违约",
    },
    "model.chart.score": {
        "en": "Score",
        "zh": "评分",
    },
    "model.chart.share_of_class": {
        "en": "Share of its class",
        "zh": "占本类比例",
    },
    "model.col.term": {
        "en": "Term",
        "zh": "项",
    },
    "model.col.factor": {
        "en": "Factor",
        "zh": "因子",
    },
    "model.col.level": {
        "en": "Level",
        "zh": "水平",
    },
    "model.col.coef": {
        "en": "Coefficient",
        "zh": "系数",
    },
    "model.col.se": {
        "en": "Std. error",
        "zh": "标准误",
    },
    "model.col.z": {
        "en": "z",
        "zh": "z 值",
    },
    "model.col.p_value": {
        "en": "p-value",
        "zh": "p 值",
    },
    "model.col.odds_ratio": {
        "en": "Odds ratio",
        "zh": "优势比",
    },
    "model.col.or_low": {
        "en": "OR 95% low",
        "zh": "优势比 95% 下限",
    },
    "model.col.or_high": {
        "en": "OR 95% high",
        "zh": "优势比 95% 上限",
    },
    "model.col.sig": {
        "en": "Sig.",
        "zh": "显著性",
    },
    "model.col.vif": {
        "en": "VIF",
        "zh": "方差膨胀因子",
    },
    "model.col.sample": {
        "en": "Sample",
        "zh": "样本",
    },
    "model.col.n": {
        "en": "Loans",
        "zh": "贷款笔数",
    },
    "model.col.n_obs": {
        "en": "Loans",
        "zh": "贷款笔数",
    },
    "model.col.events": {
        "en": "Defaults",
        "zh": "违约笔数",
    },
    "model.col.n_events": {
        "en": "Defaults",
        "zh": "违约笔数",
    },
    "model.col.auc": {
        "en": "AUC",
        "zh": "AUC",
    },
    "model.col.test_auc": {
        "en": "Test AUC",
        "zh": "测试集 AUC",
    },
    "model.col.gini": {
        "en": "Gini",
        "zh": "基尼系数",
    },
    "model.col.ks": {
        "en": "KS",
        "zh": "KS",
    },
    "model.col.brier": {
        "en": "Brier",
        "zh": "Brier 分数",
    },
    "model.col.pseudo_r2": {
        "en": "McFadden R²",
        "zh": "McFadden R²",
    },
    "model.col.hosmer_lemeshow": {
        "en": "Hosmer-Lemeshow chi²",
        "zh": "Hosmer-Lemeshow 卡方",
    },
    "model.col.hosmer_lemeshow_p": {
        "en": "H-L p-value",
        "zh": "H-L p 值",
    },
    "model.col.decile": {
        "en": "Decile",
        "zh": "十分位",
    },
    "model.col.loans": {
        "en": "Loans",
        "zh": "贷款笔数",
    },
    "model.col.defaults": {
        "en": "Defaults",
        "zh": "违约笔数",
    },
    "model.col.bad_rate": {
        "en": "Default rate",
        "zh": "违约率",
    },
    "model.col.cum_defaults": {
        "en": "Cumulative defaults",
        "zh": "累计违约",
    },
    "model.col.capture": {
        "en": "Capture",
        "zh": "捕获率",
    },
    "model.col.lift": {
        "en": "Lift",
        "zh": "提升度",
    },
    "model.col.cum_lift": {
        "en": "Cumulative lift",
        "zh": "累计提升度",
    },
    "model.col.step": {
        "en": "Step",
        "zh": "步骤",
    },
    "model.col.action": {
        "en": "Action",
        "zh": "操作",
    },
    "model.col.aic": {
        "en": "AIC",
        "zh": "AIC",
    },
    "model.col.terms": {
        "en": "Parameters",
        "zh": "参数个数",
    },
    "model.col.treatment": {
        "en": "Treatment",
        "zh": "处理方式",
    },
    "model.col.attribute": {
        "en": "Attribute",
        "zh": "属性",
    },
    "model.col.value": {
        "en": "WOE",
        "zh": "WOE",
    },
    "model.col.points": {
        "en": "Points",
        "zh": "分值",
    },
    "model.col.points_rounded": {
        "en": "Points (rounded)",
        "zh": "分值（取整）",
    },
    "model.col.name": {
        "en": "Name",
        "zh": "名称",
    },
    "model.col.version": {
        "en": "Version",
        "zh": "版本",
    },
    "model.col.table": {
        "en": "Table",
        "zh": "数据表",
    },
    "model.col.created_at": {
        "en": "Saved at",
        "zh": "保存时间",
    },
    "model.col.factors": {
        "en": "Factors",
        "zh": "因子",
    },
    "model.col.fingerprint": {
        "en": "Data fingerprint",
        "zh": "数据指纹",
    },
    "model.col.metric": {
        "en": "Metric",
        "zh": "指标",
    },
    "model.metric.fit.n_obs": {
        "en": "Loans (train)",
        "zh": "贷款笔数（训练）",
    },
    "model.metric.fit.n_events": {
        "en": "Defaults (train)",
        "zh": "违约笔数（训练）",
    },
    "model.metric.fit.aic": {
        "en": "AIC",
        "zh": "AIC",
    },
    "model.metric.fit.bic": {
        "en": "BIC",
        "zh": "BIC",
    },
    "model.metric.fit.pseudo_r2": {
        "en": "McFadden R²",
        "zh": "McFadden R²",
    },
    "model.metric.train.auc": {
        "en": "AUC (train)",
        "zh": "AUC（训练）",
    },
    "model.metric.train.gini": {
        "en": "Gini (train)",
        "zh": "基尼系数（训练）",
    },
    "model.metric.train.ks": {
        "en": "KS (train)",
        "zh": "KS（训练）",
    },
    "model.metric.test.auc": {
        "en": "AUC (test)",
        "zh": "AUC（测试）",
    },
    "model.metric.test.gini": {
        "en": "Gini (test)",
        "zh": "基尼系数（测试）",
    },
    "model.metric.test.ks": {
        "en": "KS (test)",
        "zh": "KS（测试）",
    },
    "model.metric.cv.mean": {
        "en": "Cross-validated AUC",
        "zh": "交叉验证 AUC",
    },
    "decisions.title": {"en": "Expert vs model", "zh": "专家与模型对比"},
    "decisions.no_models": {
        "en": "No saved model for {table} yet: fit and save one on the Model page, then compare it with the loan officers' decisions here.",
        "zh": "{table} 还没有已保存的模型：请先在“模型”页面拟合并保存模型，再在这里与信贷员的决策对比。",
    },
    "decisions.model": {"en": "Model", "zh": "模型"},
    "decisions.outcome": {"en": "Outcome", "zh": "结果口径"},
    "decisions.outcome.actual": {"en": "Actual (booked loans)", "zh": "实际（已放款贷款）"},
    "decisions.outcome.simulated": {
        "en": "Simulated (all applications, sample data)",
        "zh": "模拟（全部申请，示例数据）",
    },
    "expert.source": {"en": "Expert side", "zh": "专家一方"},
    "expert.kind.recorded": {"en": "Recorded decisions", "zh": "历史审批记录"},
    "expert.kind.rules": {"en": "Expert scorecard and knock-out rules", "zh": "专家评分卡与否决规则"},
    "expert.column": {"en": "Decision or score column", "zh": "审批结果或评分字段"},
    "expert.min_score": {"en": "Approve from score", "zh": "评分不低于此值即同意"},
    "expert.approve_values": {"en": "Values that mean approval", "zh": "表示同意的取值"},
    "expert.rule_set": {"en": "Rule set", "zh": "规则集"},
    "expert.starter": {"en": "Traditional rating sheet (starter)", "zh": "传统信用评级表（模板）"},
    "expert.knockouts": {
        "en": "**Knock-out rules**: the expert rejects when they hold (AND binds before OR).",
        "zh": "**否决规则**：条件成立即拒绝（AND 优先于 OR）。",
    },
    "expert.value_help": {
        "en": "One value; for in / not in, several separated by ;",
        "zh": "单个取值；in / not in 可填多个，用 ; 分隔",
    },
    "expert.points": {
        "en": "**Scorecard points** per level or range [low, high); a row without level and range scores missing values.",
        "zh": "**评分卡分值**：按取值或区间 [下限, 上限) 给分；既无取值也无区间的行给缺失值打分。",
    },
    "expert.grades": {"en": "**Grades** by minimum points", "zh": "**等级**（按最低分）"},
    "expert.threshold": {
        "en": "Approve from points (empty: knock-out rules only)",
        "zh": "总分不低于此值即同意（留空：只用否决规则）",
    },
    "expert.add": {"en": "Add rule", "zh": "添加规则"},
    "expert.name": {"en": "Save as", "zh": "另存为"},
    "expert.save": {"en": "Save rule set", "zh": "保存规则集"},
    "expert.saved": {
        "en": "Saved rule set '{name}' as version {version}.",
        "zh": "已保存规则集“{name}”，版本 {version}。",
    },
    "expert.col.join": {"en": "Join", "zh": "连接"},
    "expert.col.column": {"en": "Column", "zh": "字段"},
    "expert.col.operator": {"en": "Operator", "zh": "运算符"},
    "expert.col.value": {"en": "Value", "zh": "取值"},
    "expert.col.level": {"en": "Level", "zh": "取值"},
    "expert.col.low": {"en": "From", "zh": "下限"},
    "expert.col.high": {"en": "Below", "zh": "上限（不含）"},
    "expert.col.points": {"en": "Points", "zh": "分值"},
    "expert.col.grade": {"en": "Grade", "zh": "等级"},
    "expert.col.min_points": {"en": "Minimum points", "zh": "最低分"},
    "decisions.filters_and_money": {"en": "Filters, loss and profit assumptions", "zh": "筛选条件与损益假设"},
    "decisions.filter.segment": {"en": "Segment", "zh": "客群"},
    "decisions.filter.branch": {"en": "Branch", "zh": "网点"},
    "decisions.filter.officer": {"en": "Loan officer", "zh": "客户经理"},
    "decisions.period": {"en": "Origination period", "zh": "发放期间"},
    "decisions.lgd": {"en": "Loss given default", "zh": "违约损失率"},
    "decisions.margin": {"en": "Interest margin (share of exposure)", "zh": "利差（占敞口比例）"},
    "decisions.exposure": {"en": "Average exposure per loan", "zh": "单笔平均敞口"},
    "decisions.cutoff_kind": {"en": "Set the model's cutoff by", "zh": "模型临界值设定方式"},
    "decisions.cutoff.pd": {"en": "PD", "zh": "违约概率"},
    "decisions.cutoff.score": {"en": "Score", "zh": "评分"},
    "decisions.cutoff.approval_rate": {"en": "Approval rate", "zh": "通过率"},
    "decisions.cutoff_pd": {"en": "Reject when PD is at least", "zh": "违约概率不低于此值即拒绝"},
    "decisions.cutoff_score": {"en": "Reject at or below score", "zh": "评分不高于此值即拒绝"},
    "decisions.cutoff_rate": {"en": "Approve this share of applications", "zh": "按此比例通过申请"},
    "decisions.cutoff_caption": {
        "en": "Cutoff PD {pd:.3f} (score {score:.0f}): {applications:,} applications with both decisions, {evaluated:,} with a known outcome; {no_pd:,} without a model PD, {no_expert:,} without an expert decision.",
        "zh": "临界违约概率 {pd:.3f}（评分 {score:.0f}）：{applications:,} 笔申请两种决策均已知，其中 {evaluated:,} 笔结果已知；{no_pd:,} 笔无模型违约概率，{no_expert:,} 笔无专家决策。",
    },
    "decisions.no_rejected_outcomes": {
        "en": "Rejected applicants were never booked, so they have no actual outcome: the expert's matrix shows no rejections. Judge both sides on the same footing with the simulated outcome (sample data), or with an expert scorecard or knock-out rules.",
        "zh": "被拒绝的申请从未放款，没有实际结果：专家的矩阵中没有拒绝。可改用模拟结果（示例数据），或用专家评分卡、否决规则，在同一基础上比较双方。",
    },
    "decisions.matrix.expert": {"en": "Expert vs outcome", "zh": "专家决策 vs 实际结果"},
    "decisions.matrix.model": {"en": "Model vs outcome", "zh": "模型决策 vs 实际结果"},
    "decisions.matrix.agreement": {"en": "Expert vs model", "zh": "专家 vs 模型"},
    "decisions.kappa": {
        "en": "Cohen's kappa {kappa:.3f} (0 = chance agreement, 1 = complete).",
        "zh": "Cohen's kappa 为 {kappa:.3f}（0 = 随机一致，1 = 完全一致）。",
    },
    "decisions.equal_fewer": {
        "en": "At the expert's approval rate ({approved:,} loans approved), the model would have had **{n:,} fewer defaults** ({loss:,.0f} less loss).",
        "zh": "在与专家相同的通过率下（通过 {approved:,} 笔），模型的违约会**少 {n:,} 笔**（损失少 {loss:,.0f}）。",
    },
    "decisions.equal_more": {
        "en": "At the expert's approval rate ({approved:,} loans approved), the model would have had **{n:,} more defaults** ({loss:,.0f} more loss).",
        "zh": "在与专家相同的通过率下（通过 {approved:,} 笔），模型的违约会**多 {n:,} 笔**（损失多 {loss:,.0f}）。",
    },
    "decisions.metric.loans": {"en": "Loans with a known outcome", "zh": "结果已知的贷款"},
    "decisions.metric.approval_rate": {"en": "Approval rate", "zh": "通过率"},
    "decisions.metric.bad_rate_approved": {"en": "Bad rate of approved", "zh": "通过贷款的坏账率"},
    "decisions.metric.defaults_rejected": {"en": "Share of defaults rejected", "zh": "拒绝的违约占比"},
    "decisions.metric.accuracy": {"en": "Accuracy", "zh": "准确率"},
    "decisions.metric.sensitivity": {"en": "Sensitivity (defaults caught)", "zh": "灵敏度（识别出的违约）"},
    "decisions.metric.specificity": {"en": "Specificity (good loans approved)", "zh": "特异度（通过的好贷款）"},
    "decisions.metric.precision": {"en": "Precision (rejected that default)", "zh": "精确率（拒绝中违约的比例）"},
    "decisions.metric.defaults_approved": {"en": "Defaults approved", "zh": "通过的违约贷款"},
    "decisions.metric.goods_rejected": {"en": "Good loans rejected", "zh": "拒绝的好贷款"},
    "decisions.metric.expected_loss": {"en": "Credit loss", "zh": "信用损失"},
    "decisions.metric.profit": {"en": "Profit", "zh": "利润"},
    "decisions.metric.approval_rate_applications": {
        "en": "Approval rate of all applications",
        "zh": "全部申请的通过率",
    },
    "decisions.col.metric": {"en": "Metric", "zh": "指标"},
    "decisions.col.expert": {"en": "Expert", "zh": "专家"},
    "decisions.col.model": {"en": "Model", "zh": "模型"},
    "decisions.col.loan_id": {"en": "Loan", "zh": "贷款编号"},
    "decisions.col.officer": {"en": "Officer", "zh": "客户经理"},
    "decisions.col.branch": {"en": "Branch", "zh": "网点"},
    "decisions.col.pd": {"en": "PD", "zh": "违约概率"},
    "decisions.col.outcome": {"en": "Default", "zh": "是否违约"},
    "decisions.col.reasons": {"en": "Top reasons (vs typical applicant)", "zh": "主要原因（相对典型申请人）"},
    "decisions.col.rank": {"en": "Leniency rank", "zh": "宽松度排名"},
    "decisions.col.name": {"en": "Name", "zh": "名称"},
    "decisions.col.applications": {"en": "Applications", "zh": "申请数"},
    "decisions.col.approval_rate": {"en": "Approval rate", "zh": "通过率"},
    "decisions.col.model_approval_rate": {"en": "Model's approval rate", "zh": "模型通过率"},
    "decisions.col.bad_rate_approved": {"en": "Bad rate of approved", "zh": "通过贷款的坏账率"},
    "decisions.col.agreement": {"en": "Agreement with model", "zh": "与模型一致率"},
    "decisions.col.low_side_override_rate": {"en": "Low-side overrides", "zh": "低端推翻率"},
    "decisions.col.high_side_override_rate": {"en": "High-side overrides", "zh": "高端推翻率"},
    "decisions.col.bad_rate_overridden": {"en": "Bad rate of overridden", "zh": "被推翻贷款的坏账率"},
    "decisions.col.override_rate": {"en": "Override rate", "zh": "推翻率"},
    "decisions.col.leniency": {"en": "Leniency", "zh": "宽松度"},
    "decisions.col.flag": {"en": "Overrides above 10%", "zh": "推翻率超过 10%"},
    "decisions.col.loans": {"en": "Loans", "zh": "笔数"},
    "decisions.col.row_rate": {"en": "Share of row", "zh": "行占比"},
    "decisions.col.column_rate": {"en": "Share of column", "zh": "列占比"},
    "decisions.flag.True": {"en": "flagged", "zh": "需关注"},
    "decisions.flag.False": {"en": "within range", "zh": "正常范围"},
    "decisions.label.good": {"en": "Good", "zh": "正常"},
    "decisions.label.default": {"en": "Default", "zh": "违约"},
    "decisions.label.approve": {"en": "Approve", "zh": "同意"},
    "decisions.label.reject": {"en": "Reject", "zh": "拒绝"},
    "decisions.axis.actual": {"en": "Actual outcome", "zh": "实际结果"},
    "decisions.axis.decision": {"en": "Decision", "zh": "决策"},
    "decisions.axis.expert": {"en": "Expert", "zh": "专家"},
    "decisions.axis.model": {"en": "Model", "zh": "模型"},
    "decisions.point.expert": {"en": "Expert", "zh": "专家"},
    "decisions.point.current": {"en": "Model at this cutoff", "zh": "模型（当前临界值）"},
    "decisions.curve_help": {
        "en": "Each point is one model cutoff: lower bad rates cost approvals. Click a point to use its cutoff.",
        "zh": "每个点对应一个模型临界值：坏账率越低，通过率也越低。点击某点即采用该临界值。",
    },
    "decisions.tab_disagreements": {"en": "Disagreements", "zh": "分歧案例"},
    "decisions.tab_officers": {"en": "Officer consistency", "zh": "信贷员一致性"},
    "decisions.cell": {"en": "Disagreement", "zh": "分歧类型"},
    "decisions.cell.expert_approved_default": {
        "en": "Expert approved, model rejected, defaulted ({n:,})",
        "zh": "专家同意、模型拒绝、已违约（{n:,}）",
    },
    "decisions.cell.expert_approved_good": {
        "en": "Expert approved, model rejected, repaid ({n:,})",
        "zh": "专家同意、模型拒绝、正常还款（{n:,}）",
    },
    "decisions.cell.expert_approved_unknown": {
        "en": "Expert approved, model rejected, outcome unknown ({n:,})",
        "zh": "专家同意、模型拒绝、结果未知（{n:,}）",
    },
    "decisions.cell.model_approved_default": {
        "en": "Model approved, expert rejected, defaulted ({n:,})",
        "zh": "模型同意、专家拒绝、已违约（{n:,}）",
    },
    "decisions.cell.model_approved_good": {
        "en": "Model approved, expert rejected, repaid ({n:,})",
        "zh": "模型同意、专家拒绝、正常还款（{n:,}）",
    },
    "decisions.cell.model_approved_unknown": {
        "en": "Model approved, expert rejected, outcome unknown ({n:,})",
        "zh": "模型同意、专家拒绝、结果未知（{n:,}）",
    },
    "decisions.pick_loan": {"en": "Loan to explore", "zh": "要分析的贷款"},
    "decisions.to_whatif": {"en": "Open in what-if", "zh": "在情景分析中打开"},
    "decisions.by": {"en": "Group by", "zh": "分组方式"},
    "decisions.officer_help": {
        "en": "Low-side override: the officer approves what the model rejects; high-side: rejects what it approves (shares of the officer's applications). Leniency is the officer's approval rate minus the model's on the same applications. Examiners look twice at override rates above {flag:.0%}.",
        "zh": "低端推翻：信贷员同意了模型拒绝的申请；高端推翻：拒绝了模型同意的申请（占该信贷员申请数的比例）。宽松度 = 信贷员通过率减去模型在同一批申请上的通过率。推翻率超过 {flag:.0%} 通常会引起监管关注。",
    },
    "whatif.title": {"en": "What-if and training", "zh": "情景分析与培训"},
    "whatif.expert_is.recorded": {
        "en": "Expert: the officers' recorded decisions.",
        "zh": "专家：信贷员的历史审批记录。",
    },
    "whatif.expert_is.score": {
        "en": "Expert: the officers' recorded score with a threshold.",
        "zh": "专家：信贷员的历史评分及门槛。",
    },
    "whatif.expert_is.rules": {
        "en": "Expert: the scorecard and knock-out rules chosen on the Expert vs model page.",
        "zh": "专家：在“专家与模型对比”页面选择的评分卡与否决规则。",
    },
    "whatif.expert_is.none": {"en": "No expert side for this table.", "zh": "此数据表没有专家一方。"},
    "whatif.unknown": {"en": "unknown", "zh": "未知"},
    "whatif.pd": {"en": "PD", "zh": "违约概率"},
    "whatif.score": {"en": "Score", "zh": "评分"},
    "whatif.grade": {"en": "Grade", "zh": "等级"},
    "whatif.model_decision": {"en": "Model", "zh": "模型决策"},
    "whatif.expert_decision": {"en": "Expert", "zh": "专家决策"},
    "whatif.expert_points": {
        "en": "Expert scorecard: {points:.0f} points, grade {grade}; knock-out rule {knocked}.",
        "zh": "专家评分卡：{points:.0f} 分，等级 {grade}；否决规则{knocked}。",
    },
    "whatif.knocked.True": {"en": "fired", "zh": "已触发"},
    "whatif.knocked.False": {"en": "not fired", "zh": "未触发"},
    "whatif.expert_changed": {
        "en": "The officer decided on the recorded application; after a change only the model (or expert rules) can decide.",
        "zh": "信贷员的决策针对原始申请；修改因子后只能由模型（或专家规则）判断。",
    },
    "whatif.flip.at_most": {
        "en": "Smallest change: **{factor}** at most **{value:,.4g}** would **{decision}** (PD {pd:.1%}).",
        "zh": "最小改变：**{factor}** 不高于 **{value:,.4g}** 即可**{decision}**（违约概率 {pd:.1%}）。",
    },
    "whatif.flip.at_least": {
        "en": "Smallest change: **{factor}** at least **{value:,.4g}** would **{decision}** (PD {pd:.1%}).",
        "zh": "最小改变：**{factor}** 不低于 **{value:,.4g}** 即可**{decision}**（违约概率 {pd:.1%}）。",
    },
    "whatif.flip.level": {
        "en": "Smallest change: **{factor}** = **{value}** would **{decision}** (PD {pd:.1%}).",
        "zh": "最小改变：**{factor}** 改为 **{value}** 即可**{decision}**（违约概率 {pd:.1%}）。",
    },
    "whatif.no_flip": {
        "en": "No single-factor change within the data's range flips the model's decision.",
        "zh": "在数据范围内，单独改变任何一个因子都不会改变模型的决策。",
    },
    "whatif.unit": {"en": "Contributions in", "zh": "贡献单位"},
    "whatif.col.points": {"en": "Score points", "zh": "评分分值"},
    "whatif.col.contribution": {"en": "Log-odds of default", "zh": "违约对数几率"},
    "whatif.col.factor": {"en": "Factor", "zh": "因子"},
    "whatif.col.value": {"en": "Value", "zh": "取值"},
    "whatif.col.reference": {"en": "Typical applicant", "zh": "典型申请人"},
    "whatif.col.current": {"en": "Now", "zh": "当前值"},
    "whatif.col.new_value": {"en": "Flips at", "zh": "改变后取值"},
    "whatif.col.direction": {"en": "Direction", "zh": "方向"},
    "whatif.col.new_pd": {"en": "New PD", "zh": "新违约概率"},
    "whatif.col.distance": {"en": "Size of change", "zh": "改变幅度"},
    "whatif.col.decision": {"en": "New decision", "zh": "新决策"},
    "whatif.col.who": {"en": " ", "zh": " "},
    "whatif.col.answered": {"en": "Answered", "zh": "已答"},
    "whatif.col.correct": {"en": "Correct", "zh": "正确"},
    "whatif.col.accuracy": {"en": "Accuracy", "zh": "准确率"},
    "whatif.col.defaults_approved": {"en": "Defaults approved", "zh": "通过的违约贷款"},
    "whatif.col.goods_rejected": {"en": "Good loans rejected", "zh": "拒绝的好贷款"},
    "whatif.direction.at_most": {"en": "at most", "zh": "不高于"},
    "whatif.direction.at_least": {"en": "at least", "zh": "不低于"},
    "whatif.direction.level": {"en": "change to", "zh": "改为"},
    "whatif.reference": {"en": "Typical applicant", "zh": "典型申请人"},
    "whatif.applicant": {"en": "This applicant", "zh": "该申请人"},
    "whatif.details": {"en": "Contributions and every flipping change", "zh": "各因子贡献与所有可改变决策的调整"},
    "whatif.tab_whatif": {"en": "What-if", "zh": "情景分析"},
    "whatif.tab_quiz": {"en": "Quiz", "zh": "测验"},
    "whatif.start": {"en": "Start from", "zh": "起点"},
    "whatif.start.loan": {"en": "A loan", "zh": "某笔贷款"},
    "whatif.start.typical": {"en": "A typical applicant", "zh": "典型申请人"},
    "whatif.loan_id": {"en": "Loan id", "zh": "贷款编号"},
    "whatif.loan_placeholder": {
        "en": "e.g. L0008556 (empty: the typical applicant)",
        "zh": "例如 L0008556（留空：典型申请人）",
    },
    "whatif.seed": {"en": "Quiz seed (same seed, same applicants)", "zh": "测验随机种子（相同种子，相同申请人）"},
    "whatif.quiz_help.actual": {
        "en": "Applicant {n}: a past booked loan with its outcome hidden. Approve or reject; the model rejects at PD {cutoff:.3f} or more.",
        "zh": "第 {n} 位申请人：一笔已放款的历史贷款，结果已隐藏。请选择同意或拒绝；模型在违约概率不低于 {cutoff:.3f} 时拒绝。",
    },
    "whatif.quiz_help.simulated": {
        "en": "Applicant {n}: a past application with its (simulated) outcome hidden. Approve or reject; the model rejects at PD {cutoff:.3f} or more.",
        "zh": "第 {n} 位申请人：一笔历史申请，其（模拟）结果已隐藏。请选择同意或拒绝；模型在违约概率不低于 {cutoff:.3f} 时拒绝。",
    },
    "whatif.approve": {"en": "Approve", "zh": "同意"},
    "whatif.reject": {"en": "Reject", "zh": "拒绝"},
    "whatif.reveal": {
        "en": "Model: PD {pd:.1%}, **{model}**. Outcome: **{outcome}**. {verdict}",
        "zh": "模型：违约概率 {pd:.1%}，**{model}**。结果：**{outcome}**。{verdict}",
    },
    "whatif.verdict.True": {"en": "Your decision was right.", "zh": "你的决策正确。"},
    "whatif.verdict.False": {"en": "Your decision was wrong.", "zh": "你的决策不正确。"},
    "whatif.next": {"en": "Next applicant", "zh": "下一位申请人"},
    "whatif.who.trainee": {"en": "You", "zh": "你"},
    "whatif.who.model": {"en": "Model", "zh": "模型"},
    "whatif.download_sheet": {"en": "Download result sheet (Excel)", "zh": "下载成绩表（Excel）"},
    "whatif.restart": {"en": "Start over", "zh": "重新开始"},
    "model.word.base_points": {
        "en": "Base points",
        "zh": "基础分",
    },
    "model.word.per_unit": {
        "en": "per unit",
        "zh": "每单位",
    },
    "model.word.per_log_unit": {
        "en": "per unit of the log",
        "zh": "对数每单位",
    },
    "model.word.numeric": {
        "en": "number",
        "zh": "数值",
    },
    "model.word.log": {
        "en": "log",
        "zh": "对数",
    },
    "model.word.categorical": {
        "en": "categories",
        "zh": "类别",
    },
    "model.word.woe": {
        "en": "WOE",
        "zh": "WOE",
    },
    "model.word.missing": {
        "en": "missing",
        "zh": "缺失",
    },
    "model.word.other": {
        "en": "unseen levels",
        "zh": "未见水平",
    },
    # --- Data page ------------------------------------------------------------------
    "col.table": {"en": "Table", "zh": "数据表"},
    "col.rows": {"en": "Rows", "zh": "行数"},
    "col.columns": {"en": "Columns", "zh": "列数"},
    "col.source_file": {"en": "Source file", "zh": "来源文件"},
    "col.checksum": {"en": "Checksum (SHA-256)", "zh": "校验和（SHA-256）"},
    "col.imported_at": {"en": "Imported at (UTC)", "zh": "导入时间（UTC）"},
    "col.column": {"en": "Column", "zh": "字段"},
    "col.type": {"en": "Type", "zh": "类型"},
    "col.missing_pct": {"en": "Missing %", "zh": "缺失率 %"},
    "col.distinct": {"en": "Distinct", "zh": "不同值个数"},
    "col.min": {"en": "Min", "zh": "最小值"},
    "col.max": {"en": "Max", "zh": "最大值"},
    "col.mean": {"en": "Mean", "zh": "均值"},
    "col.top_values": {"en": "Top values", "zh": "最常见取值"},
    "col.warnings": {"en": "Warnings", "zh": "提示"},
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
    "data.profile_sampled": {
        "en": (
            "A long table: missing shares, distinct counts, top values, leakage checks and detected roles come from a "
            "fixed sample of {sample:,} of its {rows:,} rows (rows and duplicate keys count every row)."
        ),
        "zh": "数据表较长：缺失比例、不同值个数、常见值、信息泄露检查和自动识别的列角色基于其 {rows:,} 行中固定抽取的 {sample:,} 行样本（行数和重复键按全部行计算）。",
    },
    "data.save_default": {"en": "Save default definition", "zh": "保存违约定义"},
    "data.default_saved": {"en": "Default definition saved for {table}.", "zh": "已保存 {table} 的违约定义。"},
    "data.sql": {"en": "Read-only SQL (one SELECT)", "zh": "只读 SQL（单条 SELECT）"},
    "data.run": {"en": "Run", "zh": "运行"},
    "data.sql_rows": {"en": "{rows:,} rows in {seconds:.2f} s", "zh": "{rows:,} 行，用时 {seconds:.2f} 秒"},
}


# How numbers and dates are written per language: digits grouped by thousands with commas in both (the usual
# convention of Chinese financial reports too); dates ISO in English, 2026年11月22日 in Chinese.
DATE_FORMATS = {"en": "{:%Y-%m-%d}", "zh": "{0.year}年{0.month}月{0.day}日"}
DATETIME_COLUMN_FORMATS = {"en": "YYYY-MM-DD HH:mm", "zh": "YYYY年M月D日 HH:mm"}  # table columns (moment.js)
DATE_COLUMN_FORMATS = {"en": "YYYY-MM-DD", "zh": "YYYY年M月D日"}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def format_number(value: float | None, lang: str = "en", decimals: int = 0) -> str:
    """A count or amount with thousands separators (``36,000``; ``1,234.50``); "-" when missing."""
    return "-" if _missing(value) else f"{value:,.{decimals}f}"


def format_percent(value: float | None, lang: str = "en", decimals: int = 1) -> str:
    """A share as a percentage (``8.3%``); "-" when missing."""
    return "-" if _missing(value) else f"{value:.{decimals}%}"


def format_date(value: object, lang: str = "en") -> str:
    """A date (or timestamp, or ISO text) as the language writes it: ``2026-11-22`` / ``2026年11月22日``."""
    if _missing(value):
        return "-"
    if isinstance(value, str):
        import datetime as dt

        value = dt.date.fromisoformat(value[:10])
    return DATE_FORMATS.get(lang, DATE_FORMATS["en"]).format(value)


def t(key: str, lang: str = "en", /, **params: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``params``; the key itself if unknown."""
    entry = TEXT.get(key)
    if entry is None:
        return key
    template = entry.get(lang) or entry["en"]
    return template.format(**params) if params else template
