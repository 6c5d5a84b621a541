"""Hostile files: every generated file either imports honestly or fails with one clear line; nothing else changes."""

from __future__ import annotations

import io
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import datasets, store
from analytics.core import RiskLabError
from analytics.datasets import _importer

NAMES = st.one_of(
    st.sampled_from(['x"; DROP TABLE loans; --', "", "id", "ID", "金额", "a b", "select", "'quoted'", "\t"]),
    st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=0, max_size=12),
)
CELLS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        [
            "12,345.50",
            "12.5%",
            "¥1,000",
            "2024-01-31",
            "31/01/2024",
            "2024年1月31日",
            "",
            "NULL",
            "是",
            '"unterminated',
            'a "quoted" word',
            "\x00",
            "x" * 5000,
            "1e400",
            "-0",
            "违约",
        ]
    ),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"])
DELIMITERS = st.sampled_from([",", ";", "\t", "|", " "])


@st.composite
def text_files(draw) -> bytes:
    delimiter = draw(DELIMITERS)
    width = draw(st.integers(1, 6))
    header = [draw(NAMES) for _ in range(width)]
    rows = [
        [draw(CELLS) for _ in range(width if draw(st.integers(0, 9)) else draw(st.integers(0, 8)))]  # some ragged
        for _ in range(draw(st.integers(0, 12)))
    ]
    quote = draw(st.booleans())
    lines = [delimiter.join(f'"{c}"' if quote else c for c in row) for row in [header, *rows]]
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)
    data = text.encode(draw(ENCODINGS), errors="replace")
    if draw(st.integers(0, 4)) == 0:  # corrupt some bytes
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        data = data[:position] + draw(st.binary(min_size=1, max_size=8)) + data[position:]
    return data


def _corrupt(data: bytes, cut: int) -> bytes:
    return data[: max(1, len(data) * cut // 100)]


@st.composite
def binary_files(draw) -> tuple[bytes, str]:
    kind = draw(st.sampled_from(["xlsx", "parquet"]))
    buffer = io.BytesIO()
    if kind == "parquet":
        pq.write_table(pa.table({"a": [1, 2, 3], "金额": ["1", "2", None]}), buffer)
    else:
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", draw(st.text(max_size=50)))
    return _corrupt(buffer.getvalue(), draw(st.integers(1, 99))), f"hostile.{kind}"


@pytest.fixture(scope="module")
def db():
    con = store.connect(":memory:")
    con.execute("CREATE TABLE loans AS SELECT range AS id, range * 10 AS amount FROM range(100)")
    store.record_import(con, table="loans", source_file="seed", checksum="0", rows=100, columns=2)
    return con


def _state(con) -> tuple:
    tables = store.user_tables(con)
    return (
        tables,
        con.execute("SELECT count(*), sum(amount) FROM loans").fetchall(),
        con.execute("SELECT count(*) FROM risklab_catalog.imports").fetchall(),
    )


def _check(con, data: bytes, filename: str, folder=None) -> None:
    before = _state(con)
    try:
        if folder is None:
            result = datasets.import_file(con, data, filename, table="fuzzed", replace=True)
        else:
            (folder / filename).write_bytes(data)
            result = datasets.import_path(con, folder / filename, table="fuzzed", replace=True)
    except RiskLabError as exc:
        message = str(exc)
        assert message and "\n" not in message and "Traceback" not in message
        assert _state(con) == before  # a failed import changes nothing
        return
    # success: the table exists with the reported shape, every warning is a sentence, and nothing else changed
    assert store.row_count(con, "fuzzed") == result.rows
    assert len(store.table_columns(con, "fuzzed")) == len(result.columns)
    assert all(str(w) for w in result.warnings)
    assert con.execute("SELECT count(*), sum(amount) FROM loans").fetchall() == before[1]
    con.execute('DROP TABLE "fuzzed"')
    con.execute("DELETE FROM risklab_catalog.imports WHERE table_name = 'fuzzed'")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=text_files(), extension=st.sampled_from(["csv", "txt", "tsv", "json", "jsonl"]))
def test_hostile_text_files(db, data, extension):
    _check(db, data, f"hostile.{extension}")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=binary_files())
def test_truncated_or_corrupted_binary_files(db, file):
    _check(db, *file)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=text_files(), extension=st.sampled_from(["csv", "json"]))
def test_hostile_text_files_streamed_by_path(db, tmp_path_factory, data, extension):
    """The same guarantees when import_path streams the file and decides on 3 rows and 64 bytes."""
    with pytest.MonkeyPatch.context() as big:
        for name, value in (("STREAM_ABOVE_MB", 0), ("SAMPLE_ROWS", 3), ("_SNIFF_ROWS", 3), ("_HEAD_BYTES", 64)):
            big.setattr(_importer, name, value)
        _check(db, data, f"hostile.{extension}", tmp_path_factory.mktemp("fuzz"))
    assert list(store.staging_dir(db).iterdir()) == []
