"""Every importer path: encodings, delimiters, number formats, Excel, Parquet, JSON lines,
replace semantics, atomicity and each bad-input message the user reads."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import store
from analytics.core import Notice, RiskLabError
from analytics.datasets import _importer, import_file, import_path, preview_file

CHINESE = "贷款编号,贷款金额,违约,客户经理\nL001,5000,0,张三\nL002,12000,1,李四\nL003,800,0,王五\n"


def rows(con, table: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM {store.quote_ident(table)} ORDER BY ALL").fetchall()


def messages(result) -> list[str]:
    return [str(w) for w in result.warnings]


def error_text(con, data: bytes, filename: str, **kwargs) -> str:
    with pytest.raises(RiskLabError) as err:
        import_file(con, data, filename, **kwargs)
    return str(err.value)


# --- encodings -----------------------------------------------------------------------------------


def test_utf8_csv_is_typed_and_catalogued(con):
    data = b"loan_id,amount,rate,opened\nA1,1000,0.12,2023-01-31\nA2,2500,0.10,2023-02-28\n"
    result = import_file(con, data, "loans 2023.csv")
    assert result.table == "loans_2023"
    assert (result.rows, result.encoding, result.delimiter) == (2, "utf-8", ",")
    assert result.columns == (("loan_id", "VARCHAR"), ("amount", "BIGINT"), ("rate", "DOUBLE"), ("opened", "DATE"))
    assert rows(con, "loans_2023") == [
        ("A1", 1000, 0.12, dt.date(2023, 1, 31)),
        ("A2", 2500, 0.10, dt.date(2023, 2, 28)),
    ]
    assert result.warnings == ()
    entry = con.execute(
        "SELECT source_file, checksum, rows, columns, encoding, delimiter FROM risklab_catalog.imports"
    ).fetchall()
    assert entry == [("loans 2023.csv", hashlib.sha256(data).hexdigest(), 2, 4, "utf-8", ",")]
    assert list(store.staging_dir(con).iterdir()) == []


def test_utf8_bom_is_stripped_from_the_first_column(con):
    result = import_file(con, "\ufeffid,x\n1,2\n".encode(), "bom.csv")
    assert result.encoding == "utf-8-sig"
    assert result.columns[0] == ("id", "BIGINT")


@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
def test_chinese_excel_export_in_gbk_keeps_chinese_names(con, codec):
    result = import_file(con, CHINESE.encode(codec), "贷款台账.csv")
    assert result.table == "贷款台账"
    assert result.encoding == "gb18030"
    assert [name for name, _ in result.columns] == ["贷款编号", "贷款金额", "违约", "客户经理"]
    assert rows(con, "贷款台账") == [("L001", 5000, 0, "张三"), ("L002", 12000, 1, "李四"), ("L003", 800, 0, "王五")]


def test_explicit_encoding_overrides_detection(con):
    result = import_file(con, CHINESE.encode("gbk"), "a.csv", encoding="GBK")
    assert result.encoding == "gbk"
    assert result.columns[3] == ("客户经理", "VARCHAR")


def test_utf16_with_bom(con):
    result = import_file(con, CHINESE.encode("utf-16"), "u16.csv")
    assert result.encoding == "utf-16"
    assert result.columns[0] == ("贷款编号", "VARCHAR")
    assert result.rows == 3


def test_windows_1252_is_guessed_with_a_notice(con):
    result = import_file(con, "name,city\nJosé Núñez,São Paulo\nFrançois,Zürich\n".encode("cp1252"), "latin.csv")
    assert result.encoding == "cp1252"
    assert rows(con, "latin")[0] == ("François", "Zürich")
    assert messages(result) == [
        "encoding cp1252 was guessed: check the preview and choose the encoding yourself if text looks wrong"
    ]


# --- delimiters and quoting ----------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected(con, delimiter):
    text = "\n".join(delimiter.join(r) for r in [["id", "amount", "name"], ["1", "100", "a"], ["2", "250", "b"]])
    result = import_file(con, (text + "\n").encode(), "d.txt")
    assert result.delimiter == delimiter
    assert rows(con, "d") == [(1, 100, "a"), (2, 250, "b")]


def test_tsv_and_explicit_delimiter(con):
    assert import_file(con, b"a\tb\n1\t2\n", "t.tsv").delimiter == "\t"
    result = import_file(con, b"a;b\n1;2\n", "e.csv", delimiter=";")
    assert result.columns == (("a", "BIGINT"), ("b", "BIGINT"))


def test_quoted_fields_keep_commas_quotes_and_newlines(con):
    data = b'id,name,note\n1,"Zhang, San","said ""hi"""\n2,"Li\nSi",plain\n'
    import_file(con, data, "q.csv")
    assert rows(con, "q") == [(1, "Zhang, San", 'said "hi"'), (2, "Li\nSi", "plain")]


# --- numbers written as text ------------------------------------------------------------------------------


def test_thousands_separators_and_percentages_are_converted_with_notices(con):
    data = (
        b"id,amount,whole,spaced,rate\n"
        b'1,"12,345.50","1,000",12 345,12.5%\n'
        b'2,"1,000",950,1 000 000,3%\n'
        b'3,980.25,"2,500,000",7,-0.5%\n'
    )
    result = import_file(con, data, "n.csv")
    assert result.columns == (
        ("id", "BIGINT"),
        ("amount", "DOUBLE"),
        ("whole", "BIGINT"),
        ("spaced", "BIGINT"),
        ("rate", "DOUBLE"),
    )
    assert rows(con, "n") == [
        (1, 12345.5, 1000, 12345, 0.125),
        (2, 1000.0, 950, 1000000, 0.03),
        (3, 980.25, 2500000, 7, -0.005),
    ]
    assert messages(result) == [
        "column 'amount': numbers with thousands separators (e.g. '1,000') were read as numbers",
        "column 'whole': numbers with thousands separators (e.g. '1,000') were read as numbers",
        "column 'spaced': numbers with thousands separators (e.g. '1 000 000') were read as numbers",
        "column 'rate': percentages (e.g. '-0.5%') were converted to fractions (12.5% -> 0.125)",
    ]


def test_decimal_commas_with_semicolons(con):
    result = import_file(con, b"id;betrag\n1;1.234,50\n2;7,25\n3;12\n", "eu.csv")
    assert result.delimiter == ";"
    assert rows(con, "eu") == [(1, 1234.5), (2, 7.25), (3, 12.0)]
    assert messages(result) == ["column 'betrag': numbers with a decimal comma (e.g. '1.234,50') were read as numbers"]


def test_currency_signs(con):
    result = import_file(con, 'id,amount\n1,"¥12,345.00"\n2,¥800\n3,-$5\n'.encode(), "c.csv")
    assert result.columns[1] == ("amount", "DOUBLE")
    assert rows(con, "c") == [(1, 12345.0), (2, 800.0), (3, -5.0)]
    assert messages(result) == ["column 'amount': amounts with a currency sign (e.g. '-$5') were read as numbers"]


def test_trailing_delimiters_add_no_column(con):
    result = import_file(con, b"id,amount,\n1,10,\n2,20,\n", "trail.csv")
    assert result.columns == (("id", "BIGINT"), ("amount", "BIGINT"))
    assert result.warnings == ()


def test_partly_numeric_column_stays_text_with_a_notice(con):
    data = b'id,amount,grade\n1,"12,345.50",A\n2,n/a,B\n3,"1,000",C\n'
    result = import_file(con, data, "p.csv")
    assert dict(result.columns)["amount"] == "VARCHAR"
    assert rows(con, "p")[1] == (2, "n/a", "B")
    assert messages(result) == [
        "column 'amount' was kept as text: 2 of 3 values look like numbers but others do not (e.g. 'n/a'); "
        "clean them and import again if it should be numeric"
    ]


def test_mixed_number_formats_stay_text(con):
    result = import_file(con, b"id,rate\n1,12.5%\n2,0.13\n", "m.csv")
    assert dict(result.columns)["rate"] == "VARCHAR"
    assert messages(result) == [
        "column 'rate' was kept as text: its numbers are written in mixed formats (e.g. '0.13'); "
        "use one format and import again if it should be numeric"
    ]


def test_leading_zero_codes_stay_text_silently(con):
    result = import_file(con, b"branch,n\n007,1\n012,2\n", "z.csv")
    assert result.columns[0] == ("branch", "VARCHAR")
    assert rows(con, "z") == [("007", 1), ("012", 2)]
    assert result.warnings == ()


def test_column_with_conflicting_dates_is_read_as_text(con):
    result = import_file(con, b"id,opened\n1,2023-01-05\n2,2023/1/6\n", "dates.csv")
    assert dict(result.columns)["opened"] == "VARCHAR"
    assert rows(con, "dates") == [(1, "2023-01-05"), (2, "2023/1/6")]
    assert messages(result) == [
        "column 'opened' was kept as text: its values do not share one type (e.g. '2023-01-05' on line 2)"
    ]


def test_empty_unnamed_and_duplicate_columns_are_warned_and_renamed(con):
    result = import_file(con, b"id,,amount,Amount,memo\n1,x,10,11,\n2,y,20,21,\n", "r.csv")
    assert [name for name, _ in result.columns] == ["id", "column_2", "amount", "Amount_2", "memo"]
    assert messages(result) == [
        "column 2 has no name: named it 'column_2'",
        "column 4: the name 'Amount' is used twice, renamed to 'Amount_2'",
        "column 'memo' is entirely empty",
    ]


# --- Excel, Parquet, JSON lines ----------------------------------------------------------------------------


def xlsx_bytes(path) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "贷款明细"
    sheet.append(["贷款编号", "贷款金额", "放款日期", "利率", "备注", None])
    sheet.append(["L001", 5000, dt.datetime(2023, 1, 5), "12.5%", "ok", None])
    sheet.append(["L002", 12000.5, dt.datetime(2023, 2, 6), "8%", 7, None])
    sheet.append([None, None, None, None, None, None])
    summary = workbook.create_sheet("汇总")
    summary.append(["网点", "笔数"])
    summary.append(["城关", 2])
    workbook.save(path)
    return path.read_bytes()


def test_xlsx_first_sheet_by_default_with_chinese_names(con, tmp_path):
    data = xlsx_bytes(tmp_path / "台账.xlsx")
    preview = preview_file(con, data, "台账.xlsx")
    assert (preview.kind, preview.sheets, preview.sheet) == ("excel", ("贷款明细", "汇总"), "贷款明细")
    assert (preview.encoding, preview.delimiter) == (None, None)
    result = import_file(con, data, "台账.xlsx")
    assert result.columns == (
        ("贷款编号", "VARCHAR"),
        ("贷款金额", "DOUBLE"),
        ("放款日期", "TIMESTAMP"),
        ("利率", "DOUBLE"),
        ("备注", "VARCHAR"),
    )
    assert rows(con, "台账") == [
        ("L001", 5000.0, dt.datetime(2023, 1, 5), 0.125, "ok"),
        ("L002", 12000.5, dt.datetime(2023, 2, 6), 0.08, "7"),
    ]
    assert messages(result) == [
        "column '备注' mixes numbers or dates with text in the sheet: it was read as text",
        "column '利率': percentages (e.g. '12.5%') were converted to fractions (12.5% -> 0.125)",
        "column '备注' was kept as text: 1 of 2 values look like numbers but others do not (e.g. 'ok'); "
        "clean them and import again if it should be numeric",
    ]


def test_xlsx_sheet_choice_and_wrong_sheet(con, tmp_path):
    data = xlsx_bytes(tmp_path / "book.xlsx")
    result = import_file(con, data, "book.xlsx", sheet="汇总", table="网点汇总")
    assert rows(con, "网点汇总") == [("城关", 2)]
    assert result.columns == (("网点", "VARCHAR"), ("笔数", "BIGINT"))
    assert error_text(con, data, "book.xlsx", sheet="Sheet9") == (
        "book.xlsx has no sheet named 'Sheet9': choose one of 贷款明细, 汇总"
    )


def test_xlsx_detected_from_content_without_extension(con, tmp_path):
    data = xlsx_bytes(tmp_path / "book.xlsx")
    assert preview_file(con, data, "download").kind == "excel"


def test_parquet(con):
    table = pa.table({"id": ["a", "b"], "amount": [1.5, 2.5], "default": [0, 1], "when": [dt.date(2024, 1, 1)] * 2})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    result = import_file(con, buffer.getvalue(), "p.parquet")
    assert (result.encoding, result.delimiter) == (None, None)
    assert result.columns == (("id", "VARCHAR"), ("amount", "DOUBLE"), ("default", "BIGINT"), ("when", "DATE"))
    assert rows(con, "p") == [("a", 1.5, 0, dt.date(2024, 1, 1)), ("b", 2.5, 1, dt.date(2024, 1, 1))]


def test_json_lines(con):
    data = '{"贷款编号": "L1", "金额": 100, "利率": "5%"}\n{"贷款编号": "L2", "金额": 250.5, "利率": "6.5%"}\n'
    result = import_file(con, data.encode(), "loans.jsonl")
    assert (result.encoding, result.delimiter) == ("utf-8", None)
    assert rows(con, "loans") == [("L1", 100.0, 0.05), ("L2", 250.5, 0.065)]


# --- preview == import -----------------------------------------------------------------------------------------


def test_preview_shows_exactly_what_the_import_creates(con):
    body = "".join(f'{i},"{i * 1000:,}",{i % 7}%\n' for i in range(1, 51))
    data = ("贷款编号,贷款金额,利率\n" + body).encode("gb18030")
    preview = preview_file(con, data, "x.csv", n=5)
    result = import_file(con, data, "x.csv")
    assert preview.columns == result.columns
    assert (preview.kind, preview.encoding, preview.delimiter) == ("csv", result.encoding, result.delimiter)
    assert [str(w) for w in preview.warnings] == messages(result)
    table = con.execute("SELECT * FROM x ORDER BY 贷款编号 LIMIT 5").df()
    pd.testing.assert_frame_equal(preview.rows, table)


def test_to_json_matches_the_command_line_contract(con):
    result = import_file(con, b'id,amt\n1,"1,000"\n', "j.csv")
    assert result.to_json() == {
        "table": "j",
        "rows": 1,
        "columns": [{"name": "id", "type": "BIGINT"}, {"name": "amt", "type": "BIGINT"}],
        "encoding": "utf-8",
        "delimiter": ",",
        "warnings": ["column 'amt': numbers with thousands separators (e.g. '1,000') were read as numbers"],
    }
    assert result.warnings == (Notice("import.thousands", column="amt", example="1,000"),)


def test_import_path_uses_the_file_name(con, tmp_path):
    path = tmp_path / "客户 名单.csv"
    path.write_bytes(CHINESE.encode("gbk"))
    result = import_path(con, path, table="clients")
    assert (result.table, result.rows) == ("clients", 3)
    assert con.execute("SELECT source_file FROM risklab_catalog.imports").fetchall()[0][0] == "客户 名单.csv"


# --- replace and atomicity -------------------------------------------------------------------------------------------


def save_role(con, table: str) -> None:
    con.execute("INSERT INTO risklab_catalog.column_roles VALUES (?, 'id', 'loan_id')", [table])
    con.execute(
        "INSERT INTO risklab_catalog.default_definitions (table_name, kind, column_name, params) "
        "VALUES (?, 'flag', 'd', '{}')",
        [table],
    )


def saved(con, table: str) -> tuple[int, int]:
    roles = con.execute("SELECT count(*) FROM risklab_catalog.column_roles WHERE table_name = ?", [table]).fetchall()
    roles = roles[0][0]
    default = con.execute(
        "SELECT count(*) FROM risklab_catalog.default_definitions WHERE table_name = ?", [table]
    ).fetchall()[0]
    return roles, default[0]


def test_existing_table_needs_replace(con):
    import_file(con, b"id,d\n1,0\n", "t.csv")
    assert error_text(con, b"id,d\n2,1\n", "t.csv") == (
        "a table named 't' already exists: choose another table name, or use --replace (command line) "
        "/ tick the replace box to overwrite it"
    )
    assert rows(con, "t") == [(1, 0)]


def test_replace_keeps_roles_when_the_columns_stay(con):
    import_file(con, b"id,d\n1,0\n", "t.csv")
    save_role(con, "t")
    import_file(con, b"id,d\n2,1\n3,0\n", "t.csv", replace=True)
    assert rows(con, "t") == [(2, 1), (3, 0)]
    assert saved(con, "t") == (1, 1)
    assert store.table_version(con, "t") == 2
    import_file(con, b"id,other\n4,x\n", "t.csv", replace=True)
    assert saved(con, "t") == (0, 0)
    assert store.table_columns(con, "t") == [("id", "BIGINT"), ("other", "VARCHAR")]


def test_a_failure_inside_the_transaction_changes_nothing(con, monkeypatch):
    import_file(con, b"id,d\n1,0\n", "t.csv")
    save_role(con, "t")
    before = con.execute("SELECT * FROM risklab_catalog.imports").fetchall()

    def broken(*args, **kwargs):
        raise RiskLabError("import.failed", file="t.csv", detail="disk full")

    monkeypatch.setattr(store, "record_import", broken)
    with pytest.raises(RiskLabError):
        import_file(con, b"id,other\n2,x\n3,y\n", "t.csv", replace=True)
    assert rows(con, "t") == [(1, 0)]
    assert store.table_columns(con, "t") == [("id", "BIGINT"), ("d", "BIGINT")]
    assert con.execute("SELECT * FROM risklab_catalog.imports").fetchall() == before
    assert saved(con, "t") == (1, 1)
    with pytest.raises(RiskLabError):
        import_file(con, b"x,y\n1,2\n", "new.csv")
    assert store.user_tables(con) == ["t"]


def test_a_bad_file_with_replace_leaves_the_old_table(con):
    import_file(con, b"id,d\n1,0\n", "t.csv")
    with pytest.raises(RiskLabError):
        import_file(con, b"id,d\n1,0\n2,1,9\n", "t.csv", replace=True)
    assert rows(con, "t") == [(1, 0)]
    assert con.execute("SELECT count(*) FROM risklab_catalog.imports").fetchall()[0][0] == 1
    assert list(store.staging_dir(con).iterdir()) == []


# --- bad input: the exact sentence the user reads ------------------------------------------------------------------


def corrupt_xlsx() -> bytes:
    return b"PK\x03\x04" + b"\x00" * 40


BAD_INPUT = [
    ("empty", b"", "a.csv", {}, "a.csv is empty: choose a file with a header row and at least one row of data"),
    ("blank", b"  \r\n", "a.csv", {}, "a.csv is empty: choose a file with a header row and at least one row of data"),
    (
        "header only",
        b"id,amount\n",
        "a.csv",
        {},
        "a.csv has column names but no data rows: choose a file with at least one loan",
    ),
    (
        "binary",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "a.csv",
        {},
        "a.csv is a binary file, not text: save it as CSV (UTF-8) or choose an Excel (.xlsx), Parquet or JSON "
        "lines file",
    ),
    (
        "ragged",
        b"id,amount\n1,2\n3,4\n5,6,7\n8,9\n",
        "a.csv",
        {},
        "line 4 of a.csv has 3 fields but the header has 2: fix that line (quote values that contain the "
        "delimiter ',') or choose another delimiter, then import again",
    ),
    (
        "short row",
        b"id;amount;name\n1;2;x\n3;4\n",
        "a.csv",
        {},
        "line 3 of a.csv has 2 fields but the header has 3: fix that line (quote values that contain the "
        "delimiter ';') or choose another delimiter, then import again",
    ),
    (
        "unclosed quote",
        b'id,name\n1,"Zhang\n2,Li\n',
        "a.csv",
        {},
        'line 2 of a.csv has a quoted value that is not closed properly: check the " marks on that line '
        "(a value must end with \" right before the delimiter ',') and import again",
    ),
    (
        "text after a closing quote",
        b'id;name\n1;"Zhang"\n2;"Li"si\n',
        "a.csv",
        {},
        'line 3 of a.csv has a quoted value that is not closed properly: check the " marks on that line '
        "(a value must end with \" right before the delimiter ';') and import again",
    ),
    (
        "wrong encoding",
        "id,name\n1,x\n2,张三\n".encode("gbk"),
        "a.csv",
        {"encoding": "utf-8"},
        "a.csv is not valid utf-8 text (undecodable bytes on line 3): choose the right encoding (e.g. utf-8 or "
        "gb18030) or leave it to automatic detection",
    ),
    (
        "unknown encoding",
        b"id\n1\n",
        "a.csv",
        {"encoding": "klingon"},
        "'klingon' is not a known encoding: use e.g. utf-8, utf-8-sig, gb18030 or utf-16",
    ),
    (
        "bad delimiter",
        b"id\n1\n",
        "a.csv",
        {"delimiter": "ab"},
        "'ab' cannot be a delimiter: use one character such as , ; | or a tab",
    ),
    (
        "no header",
        b"\nid,amount\n1,2\n",
        "a.csv",
        {},
        "the first line of a.csv is empty: the first line must hold the column names",
    ),
    (
        "corrupt xlsx",
        corrupt_xlsx(),
        "a.xlsx",
        {},
        "a.xlsx could not be opened as an Excel workbook (File is not a zip file): save it again as .xlsx in "
        "Excel and retry",
    ),
    (
        "corrupt parquet",
        b"PAR1 not really PAR1",
        "a.parquet",
        {},
        "a.parquet is not a readable Parquet file (Footer length error): export it again, or import it as CSV",
    ),
    (
        "truncated parquet",
        b"PAR1\x15\x04",
        "a.parquet",
        {},
        "a.parquet is not a readable Parquet file (no Parquet header/footer): export it again, or import it as CSV",
    ),
    (
        "malformed json",
        b'{"a": 1}\n{"a": 2, "b": x}\n',
        "a.jsonl",
        {},
        "a.jsonl could not be read as JSON lines (line 2 is not valid JSON): each line must be one JSON object",
    ),
    (
        "json not objects",
        b"1\n2\n",
        "a.ndjson",
        {},
        "a.ndjson could not be read as JSON lines (line 1 is not a JSON object): each line must be one JSON object",
    ),
    (
        "unsupported",
        b"%PDF-1.4",
        "a.pdf",
        {},
        "a.pdf: unsupported file type '.pdf'; import a CSV/TSV/TXT, Excel (.xlsx), Parquet or JSON lines file",
    ),
    (
        "old excel",
        b"\xd0\xcf\x11\xe0",
        "a.xls",
        {},
        "a.xls is an old Excel .xls file: open it in Excel, save it as .xlsx (or CSV UTF-8) and import that",
    ),
    (
        "bad table name",
        b"id\n1\n",
        "a.csv",
        {"table": "1 bad"},
        "'1 bad' cannot be a table name: use letters, digits, _ or Chinese characters (at most 60)",
    ),
]


@pytest.mark.parametrize(
    ("data", "filename", "kwargs", "message"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_message(con, data, filename, kwargs, message):
    assert error_text(con, data, filename, **kwargs) == message
    assert store.user_tables(con) == []
    assert list(store.staging_dir(con).iterdir()) == []


def test_empty_sheet(con, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "空"
    workbook.save(tmp_path / "e.xlsx")
    assert error_text(con, (tmp_path / "e.xlsx").read_bytes(), "e.xlsx") == (
        "sheet '空' of e.xlsx is empty: choose another sheet"
    )


def test_too_large(con, monkeypatch):
    monkeypatch.setattr(_importer, "MAX_UPLOAD_MB", 1)
    data = b"id\n" + b"1\n" * 800_000
    assert error_text(con, data, "big.csv") == (
        "big.csv is 2 MB, more than the 1 MB limit: split it into smaller files or convert it to Parquet"
    )


def test_missing_path(con, tmp_path):
    with pytest.raises(RiskLabError) as err:
        import_path(con, tmp_path / "nope.csv")
    assert str(err.value) == f"there is no readable file {tmp_path / 'nope.csv'}: check the path and try again"


def test_messages_exist_in_chinese(con):
    with pytest.raises(RiskLabError) as err:
        import_file(con, b"", "a.csv")
    assert err.value.message("zh") == "a.csv 是空文件：请选择包含表头和至少一行数据的文件"


# --- property: any small table survives a CSV round trip in any encoding and delimiter ---------------------------

TEXT = st.text(alphabet="abcxyz 贷款张三李四,;|\"'\t\n", min_size=0, max_size=8).map(lambda s: "x" + s + "y")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    frame=st.integers(min_value=1, max_value=6).flatmap(
        lambda n: st.fixed_dictionaries(
            {
                "编号": st.lists(st.integers(-(10**12), 10**12), min_size=n, max_size=n),
                "amount": st.lists(st.integers(-(10**6), 10**6).map(lambda v: v / 100), min_size=n, max_size=n),
                "名称": st.lists(TEXT, min_size=n, max_size=n),
            }
        )
    ),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
)
def test_csv_round_trip(con, frame, delimiter, encoding):
    expected = pd.DataFrame(frame, columns=["编号", "amount", "名称"])
    data = expected.to_csv(index=False, sep=delimiter).encode(encoding)
    result = import_file(con, data, "rt.csv", table="rt", replace=True)
    assert (result.delimiter, result.encoding) == (delimiter, encoding)
    assert result.columns == (("编号", "BIGINT"), ("amount", "DOUBLE"), ("名称", "VARCHAR"))
    got = con.execute("SELECT * FROM rt").df()
    assert got["编号"].tolist() == expected["编号"].tolist()
    assert got["amount"].tolist() == expected["amount"].tolist()
    assert got["名称"].tolist() == expected["名称"].tolist()


# --- import by path, streamed: the same table and notices as in memory, with a sample of 3 rows ----------------------


@pytest.fixture
def streamed(monkeypatch):
    """Every file counts as big: import_path streams it, detects on 3 rows and 64 bytes, checks the rest."""
    monkeypatch.setattr(_importer, "STREAM_ABOVE_MB", 0)
    monkeypatch.setattr(_importer, "SAMPLE_ROWS", 3)
    monkeypatch.setattr(_importer, "_SNIFF_ROWS", 3)
    monkeypatch.setattr(_importer, "_HEAD_BYTES", 64)


def both_ways(con, tmp_path, data: bytes, filename: str, **kwargs):
    """Import ``data`` in memory and by path (streamed); both results, after checking the tables are equal."""
    with pytest.MonkeyPatch.context() as exact:
        exact.setattr(_importer, "SAMPLE_ROWS", 10**6)
        memory = import_file(con, data, filename, table="memory", **kwargs)
    path = tmp_path / filename
    path.write_bytes(data)
    streamed = import_path(con, path, table="streamed", **kwargs)
    assert streamed.columns == memory.columns
    assert rows(con, "streamed") == rows(con, "memory")
    assert list(store.staging_dir(con).iterdir()) == []
    return memory, streamed


LONG = "".join(f'{i},"{i * 1000:,}",{i}.5%,x{i % 3},\n' for i in range(1, 9))
STREAMED_FILES = {
    "formats": ("id,amount,rate,code,\n" + LONG).encode(),  # trailing delimiter: an unnamed empty column
    "late_text": b'id,amount\n1,"1,000"\n2,"2,000"\n3,"3,000"\n4,"4,000"\n5,n/a\n6,"6,000"\n',
    "late_fraction": b'id,amount\n1,"1,000"\n2,"2,000"\n3,"3,000"\n4,"4,000.5"\n',
    "late_double": b"id,score\n1,10\n2,20\n3,30\n4,40\n5,2.5\n",
    "late_empty": b"id,memo\n1,\n2,\n3,\n4,\n5,late\n",
    "gbk": ("贷款编号,金额,客户经理\n" + "".join(f"L{i:03},{i * 100},张三{i}\n" for i in range(9))).encode("gb18030"),
    "utf16": ("id,name\n" + "".join(f"{i},名{i}\n" for i in range(9))).encode("utf-16"),
    "bom": ("\ufeffid,name\n" + "".join(f"{i},名{i}\n" for i in range(9))).encode(),
}


@pytest.mark.parametrize("name", sorted(STREAMED_FILES))
def test_streamed_import_equals_the_in_memory_import(con, tmp_path, streamed, name):
    memory, streamed_result = both_ways(con, tmp_path, STREAMED_FILES[name], f"{name}.csv")
    assert messages(streamed_result) == messages(memory)
    assert (streamed_result.rows, streamed_result.encoding) == (memory.rows, memory.encoding)


def test_streamed_numbers_checked_beyond_the_sample(con, tmp_path, streamed):
    memory, _ = both_ways(con, tmp_path, STREAMED_FILES["late_text"], "late.csv")
    assert dict(memory.columns)["amount"] == "VARCHAR"
    assert messages(memory) == [
        "column 'amount' was kept as text: 5 of 6 values look like numbers but others do not (e.g. 'n/a'); "
        "clean them and import again if it should be numeric"
    ]
    memory, _ = both_ways(con, tmp_path, STREAMED_FILES["late_fraction"], "frac.csv", replace=True)
    assert dict(memory.columns)["amount"] == "DOUBLE"
    assert rows(con, "streamed")[-1] == (4, 4000.5)
    memory, _ = both_ways(con, tmp_path, STREAMED_FILES["late_double"], "dbl.csv", replace=True)
    assert dict(memory.columns)["score"] == "DOUBLE"
    memory, _ = both_ways(con, tmp_path, STREAMED_FILES["formats"], "f.csv", replace=True)
    assert [c for c, _ in memory.columns] == ["id", "amount", "rate", "code"]
    assert rows(con, "streamed")[0] == (1, 1000, 0.015, "x1")


def test_streamed_parquet_and_checksum(con, tmp_path, streamed):
    buffer = io.BytesIO()
    pq.write_table(pa.table({"id": [1, 2, 3, 4], "amount": ["1,000", "2,000", "3,000", "4,000"]}), buffer)
    _, streamed_result = both_ways(con, tmp_path, buffer.getvalue(), "p.parquet")
    assert dict(streamed_result.columns)["amount"] == "BIGINT"
    checksums = con.execute("SELECT checksum FROM risklab_catalog.imports ORDER BY id").fetchall()
    assert checksums == [(hashlib.sha256(buffer.getvalue()).hexdigest(),)] * 2


def test_streamed_file_in_the_staging_folder_is_read_in_place_without_the_upload_limit(con, streamed, monkeypatch):
    monkeypatch.setattr(_importer, "MAX_UPLOAD_MB", 0)
    path = store.staging_dir(con) / "bench" / "loans.csv"
    path.parent.mkdir()
    path.write_bytes(STREAMED_FILES["formats"])
    assert import_path(con, path).rows == 8
    assert path.exists()


def test_streamed_file_not_utf8_after_its_head_fails_cleanly(con, tmp_path, streamed):
    import_file(con, b"id,d\n1,0\n", "t.csv")
    path = tmp_path / "t.csv"
    path.write_bytes(b"id,name\n" + b"1,abc\n" * 20 + "2,张三\n".encode("gbk"))
    with pytest.raises(RiskLabError) as err:
        import_path(con, path, replace=True)
    assert str(err.value).startswith("t.csv is not valid utf-8 text (undecodable bytes on line 22)")
    assert rows(con, "t") == [(1, 0)]
    assert list(store.staging_dir(con).iterdir()) == []
    assert import_path(con, path, replace=True, encoding="gb18030").rows == 21


def test_streamed_header_longer_than_the_head_is_read_whole(con, tmp_path, streamed):
    header = ",".join(f'"x{i}""; DROP TABLE loans; --"' for i in range(4))
    data = f"{header}\n0,0,0,0\n1,1,1,1\n".encode("utf-16")  # the header is longer than the 64-byte head
    path = tmp_path / "long.csv"
    path.write_bytes(data)
    result = import_path(con, path)
    assert [name for name, _ in result.columns] == [f'x{i}"; DROP TABLE loans; --' for i in range(4)]
    assert result.rows == 2


@pytest.mark.parametrize(("data", "filename"), [(b"id,amount\n1,10\n2,20\n", "loans.csv"), (b"", "empty.xlsx")])
def test_a_replacement_is_audited_as_one_whichever_path_parsed_it(data, filename):
    """A CSV upload is parsed in a worker and adopted; both paths audit a replaced table as replaced."""
    if not data:  # the in-process path: an Excel sheet
        book = openpyxl.Workbook()
        book.active.append(["id", "amount"])
        book.active.append([1, 10])
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
    con = store.connect(":memory:")
    import_file(con, data, filename, table="loans")
    import_file(con, data, filename, table="loans", replace=True)
    actions = [a for (a,) in con.execute("SELECT action FROM risklab_catalog.audit ORDER BY id").fetchall()]
    assert actions == ["import_table", "replace_table"]
