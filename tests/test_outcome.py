"""Default definitions and the five-category registry: SQL, validation, saving, suggestions, summaries."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from analytics import datasets, store
from analytics.core import TEXT, Notice, RiskLabError
from analytics.datasets import DefaultDefinition
from tests.conftest import add_table as _table


def _evaluate(con, table: str, defn: DefaultDefinition) -> list:
    expr, params = datasets.default_sql(defn)
    rows = con.execute(f"SELECT {expr} FROM {store.quote_ident(table)} ORDER BY rowid", params).fetchall()
    return [r[0] for r in rows]


# --- five categories --------------------------------------------------------------------------------------------


def test_five_categories_registry() -> None:
    assert [(c.key, c.en, c.zh, c.rank, c.non_performing) for c in datasets.FIVE_CATEGORIES] == [
        ("normal", "Normal", "正常", 1, False),
        ("special_mention", "Special mention", "关注", 2, False),
        ("substandard", "Substandard", "次级", 3, True),
        ("doubtful", "Doubtful", "可疑", 4, True),
        ("loss", "Loss", "损失", 5, True),
    ]
    assert datasets.NON_PERFORMING == ("substandard", "doubtful", "loss")
    assert [(f.above_days, f.category) for f in datasets.DPD_FLOORS] == [
        (0, "special_mention"),
        (90, "substandard"),
        (270, "doubtful"),
        (360, "loss"),
    ]
    for c in datasets.FIVE_CATEGORIES:
        assert TEXT[c.label_key] == {"en": c.en, "zh": c.zh}
    for kind in datasets.DEFINITION_KINDS:
        assert kind.label_key == f"outcome.{kind.key}"
        assert TEXT[kind.label_key]["en"] and TEXT[kind.label_key]["zh"]
    assert [k.key for k in datasets.DEFINITION_KINDS] == ["flag", "dpd", "classification"]


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("Normal", "normal"),
        ("NORMAL", "normal"),
        (" normal ", "normal"),
        ("正常", "normal"),
        ("正常类", "normal"),
        ("pass", "normal"),
        (1, "normal"),
        ("1", "normal"),
        ("special mention", "special_mention"),
        ("Special_Mention", "special_mention"),
        ("special-mention", "special_mention"),
        ("关注", "special_mention"),
        (2.0, "special_mention"),
        ("Substandard", "substandard"),
        ("次级", "substandard"),
        ("次级类", "substandard"),
        (3, "substandard"),
        ("3.0", "substandard"),
        ("doubtful", "doubtful"),
        ("可疑", "doubtful"),
        ("4", "doubtful"),
        ("LOSS", "loss"),
        ("损失", "loss"),
        (5, "loss"),
        (None, None),
        ("", None),
        ("bad", None),
        (6, None),
        (0, None),
        (True, None),
        (math.nan, None),
    ],
)
def test_normalise_classification(label: object, key: str | None) -> None:
    assert datasets.normalise_classification(label) == key


def test_classification_floor_sql_at_the_boundaries(con) -> None:
    days = [0, 1, 90, 91, 270, 271, 360, 361, None, -3, 1000]
    _table(con, "dpd", pd.DataFrame({"d": pd.array(days, dtype="Int64")}))
    floor = datasets.classification_floor_sql('"d"')
    got = [r[0] for r in con.execute(f"SELECT {floor} FROM dpd ORDER BY rowid").fetchall()]
    assert got == [
        "normal",
        "special_mention",
        "special_mention",
        "substandard",
        "substandard",
        "doubtful",
        "doubtful",
        "loss",
        None,
        "normal",
        "loss",
    ]
    stricter = (datasets.DpdFloor(30, "special_mention"), datasets.DpdFloor(60, "loss"))
    floor = datasets.classification_floor_sql('"d"', stricter)
    got = [r[0] for r in con.execute(f"SELECT {floor} FROM dpd ORDER BY rowid").fetchall()]
    assert got == ["normal", "normal", "loss", "loss", "loss", "loss", "loss", "loss", None, "normal", "loss"]


# --- default_sql ------------------------------------------------------------------------------------------------


def test_flag_values_compare_as_text(con) -> None:
    _table(
        con,
        "flags",
        pd.DataFrame(
            {
                "text": ["1", "0", "Y", "n", "违约", "正常", None, "yes", "y ", "it's"],
                "int": pd.array([1, 0, None, 1, 0, 0, 1, None, 0, 1], dtype="Int64"),
                "dbl": [1.0, 0.0, None, 1.0, 0.0, 0.0, 1.0, math.nan, 0.0, 1.0],
                "bool": pd.array([True, False, None, True, False, False, True, None, False, True], dtype="boolean"),
            }
        ),
    )
    text = DefaultDefinition("flag", "text", values=("1", "Y", "违约"))
    assert _evaluate(con, "flags", text) == [1, 0, 1, 0, 1, 0, None, 0, 1, 0]
    assert _evaluate(con, "flags", DefaultDefinition("flag", "text", values=("it's",))) == [0] * 6 + [None] + [
        0
    ] * 2 + [1]
    for column in ("int", "dbl", "bool"):
        for values in ((1,), ("1",), (True,), ("true",), (1.0,)):
            defn = DefaultDefinition("flag", column, values=values)
            assert _evaluate(con, "flags", defn) == [1, 0, None, 1, 0, 0, 1, None, 0, 1], (column, values)
    expr, params = datasets.default_sql(text)
    assert "违约" not in expr and "'1'" not in expr  # values are bound, never written into the SQL
    assert params == ["1", "true", "y", "违约"]


NUMERIC_FLAGS = {
    "int": "BIGINT",
    "small": "SMALLINT",
    "dbl": "DOUBLE",
    "dec": "DECIMAL(9,2)",
    "bool": "BOOLEAN",
    "text": "VARCHAR",
}


@pytest.mark.parametrize(
    "values",
    [(1,), ("1",), (True,), ("true",), ("Y",), (0,), (2, 3), ("-1",), (1.5,), ("1.50",), ("nan",), ("01",), ("x",)],
)
def test_flag_fast_path_on_numeric_and_boolean_columns_equals_the_text_match(con, values) -> None:
    _table(
        con,
        "flags",
        pd.DataFrame(
            {
                "int": pd.array([1, 0, None, 2, 3, -1, 1], dtype="Int64"),
                "small": pd.array([1, 0, None, 2, 3, -1, 1], dtype="Int16"),
                "dbl": [1.0, 0.0, None, 2.0, 1.5, -1.0, math.nan],
                "dec": [1.0, 0.0, None, 2.0, 1.5, -1.0, 3.0],
                "bool": pd.array([True, False, None, True, False, None, True], dtype="boolean"),
                "text": ["1", "0", None, "Y", "1.50", "-1", "01"],
            }
        ),
    )
    con.execute("ALTER TABLE flags ALTER dec TYPE DECIMAL(9,2)")
    assert dict(store.table_columns(con, "flags")) == NUMERIC_FLAGS
    for column, column_type in NUMERIC_FLAGS.items():
        text = DefaultDefinition("flag", column, values=values)
        typed = DefaultDefinition("flag", column, values=values, column_type=column_type)
        assert typed == text  # the type is a hint, not part of the definition
        assert _evaluate(con, "flags", typed) == _evaluate(con, "flags", text), (column, values)
    fast = datasets.default_sql(DefaultDefinition("flag", "int", values=values, column_type="BIGINT"))[0]
    assert "regexp" not in fast  # whole numbers, booleans and words: a plain comparison on an integer column


def test_load_definition_knows_the_column_type(con) -> None:
    _table(con, "t", pd.DataFrame({"bad": [0, 1, 1]}))
    datasets.save_definition(con, "t", DefaultDefinition("flag", "bad", values=(1,)))
    loaded = datasets.load_definition(con, "t")
    assert loaded.column_type == "BIGINT"
    expr = '(CASE WHEN "bad" IS NULL THEN NULL WHEN "bad" IN (?) THEN 1 ELSE 0 END)'
    assert datasets.default_sql(loaded) == (expr, [1])
    assert _evaluate(con, "t", loaded) == [0, 1, 1]


def test_dpd_threshold(con) -> None:
    _table(con, "perf", pd.DataFrame({"逾期 天数": pd.array([0, 29, 30, 89, 90, None, 365], dtype="Int64")}))
    assert _evaluate(con, "perf", DefaultDefinition("dpd", "逾期 天数", threshold=30)) == [0, 0, 1, 1, 1, None, 1]
    assert _evaluate(con, "perf", DefaultDefinition("dpd", "逾期 天数", threshold=90)) == [0, 0, 0, 0, 1, None, 1]
    assert datasets.default_sql(DefaultDefinition("dpd", "逾期 天数", threshold=90)) == (
        '(CASE WHEN "逾期 天数" IS NULL THEN NULL WHEN "逾期 天数" >= ? THEN 1 ELSE 0 END)',
        [90],
    )


def test_classification_in_english_chinese_and_codes(con) -> None:
    labels = ["Normal", "关注", "Substandard", "可疑", "损失", "special mention", "次级类", None, "unknown", "LOSS"]
    codes = [1, 2, 3, 4, 5, 2, 3, None, 9, 5]
    _table(con, "cls", pd.DataFrame({"五级分类": labels, "code": pd.array(codes, dtype="Int64")}))
    default = DefaultDefinition("classification", "五级分类")
    assert default.labels == ("substandard", "doubtful", "loss")
    expected = [0, 0, 1, 1, 1, 0, 1, None, None, 1]
    assert _evaluate(con, "cls", default) == expected
    assert _evaluate(con, "cls", DefaultDefinition("classification", "code")) == expected
    chinese = DefaultDefinition("classification", "五级分类", labels=("次级", "可疑", "损失"))
    assert chinese == default
    loss_only = DefaultDefinition("classification", "五级分类", labels=("Loss",))
    assert _evaluate(con, "cls", loss_only) == [0, 0, 0, 0, 1, 0, 0, None, None, 1]
    everything = DefaultDefinition("classification", "code", labels=tuple(range(1, 6)))
    assert _evaluate(con, "cls", everything) == [1, 1, 1, 1, 1, 1, 1, None, None, 1]


@pytest.mark.parametrize(
    ("defn", "message"),
    [
        (DefaultDefinition("flag", "f"), "choose at least one value of column 'f' that means default"),
        (
            DefaultDefinition("dpd", "d"),
            "the days-past-due threshold must be a whole number of days, at least 1 (got None)",
        ),
        (
            DefaultDefinition("dpd", "d", threshold=0),
            "the days-past-due threshold must be a whole number of days, at least 1 (got 0)",
        ),
        (
            DefaultDefinition("dpd", "d", threshold="90"),
            "the days-past-due threshold must be a whole number of days, at least 1 (got '90')",
        ),
        (
            DefaultDefinition("dpd", "d", threshold=True),
            "the days-past-due threshold must be a whole number of days, at least 1 (got True)",
        ),
        (
            DefaultDefinition("classification", "c", labels=()),
            "choose at least one classification that means default (e.g. substandard, doubtful, loss)",
        ),
        (
            DefaultDefinition("classification", "c", labels=("bad",)),
            "'bad' is not one of the five loan categories (normal 正常, special mention 关注, substandard 次级, "
            "doubtful 可疑, loss 损失)",
        ),
        (
            DefaultDefinition("rule", "c"),
            "'rule' is not a kind of default definition: choose flag values, days past due or classification",
        ),
        (DefaultDefinition("flag", "", values=(1,)), "choose the column that defines default"),
    ],
)
def test_default_sql_refuses_incomplete_definitions(defn: DefaultDefinition, message: str) -> None:
    with pytest.raises(RiskLabError) as exc:
        datasets.default_sql(defn)
    assert str(exc.value) == message
    assert exc.value.message("zh") != message


def test_definition_dict_round_trip() -> None:
    for defn in (
        DefaultDefinition("flag", "违约", values=(1, "Y", "违约", True)),
        DefaultDefinition("dpd", "dpd", threshold=60),
        DefaultDefinition("classification", "五级分类", labels=("doubtful", "loss")),
    ):
        assert DefaultDefinition.from_dict(json.loads(json.dumps(defn.to_dict()))) == defn
    assert DefaultDefinition.from_dict({"kind": "flag", "column": "default_flag", "values": [1]}) == DefaultDefinition(
        "flag", "default_flag", values=(1,)
    )
    assert DefaultDefinition("flag", "x", values="违约").values == ("违约",)
    assert DefaultDefinition("dpd", "x", threshold=90).to_dict() == {"kind": "dpd", "column": "x", "threshold": 90}
    assert hash(DefaultDefinition("flag", "x", values=["1"])) == hash(DefaultDefinition("flag", "x", values=("1",)))


# --- saving, loading, suggesting --------------------------------------------------------------------------------


def _loans(con) -> None:
    _table(
        con,
        "loans",
        pd.DataFrame(
            {
                "branch": ["A", "A", "A", "B", "B", "B", "B", "C"],
                "违约": ["违约", "正常", None, "违约", "正常", "正常", "违约", "正常"],
                "flag01": pd.array([1, 0, None, 1, 0, 0, 1, 0], dtype="Int64"),
                "dpd": pd.array([120, 0, None, 95, 10, 0, 400, 30], dtype="Int64"),
                "dpd_text": ["120", "0", None, "95", "10", "0", "400", "30"],
                "五级分类": ["次级", "正常", None, "可疑", "关注", "正常", "损失", "关注"],
                "letters": ["a", "b", "c", "d", "e", "f", "g", "h"],
                "empty": pd.array([None] * 8, dtype="Int64"),
            }
        ),
    )


def test_default_summary_counts_in_one_scan(con) -> None:
    _loans(con)
    summary = datasets.default_summary(con, "loans", DefaultDefinition("flag", "违约", values=("违约",)))
    assert summary == {
        "n": 8,
        "known": 7,
        "unknown": 1,
        "defaults": 3,
        "rate": 3 / 7,
        "one_class": False,
        "warning": None,
    }
    by_branch = datasets.default_summary(
        con, "loans", DefaultDefinition("dpd", "dpd", threshold=90), "branch = ?", ["B"]
    )
    assert (by_branch["n"], by_branch["known"], by_branch["defaults"], by_branch["rate"]) == (4, 4, 2, 0.5)
    also = datasets.default_summary(
        con, "loans", DefaultDefinition("classification", "五级分类"), "WHERE branch IN (?, ?)", ("A", "C")
    )
    assert (also["n"], also["known"], also["defaults"]) == (4, 3, 1)
    datasets.check_two_classes(also)  # two classes: no error


@pytest.mark.parametrize(
    ("defn", "where", "params", "key", "message"),
    [
        (
            DefaultDefinition("dpd", "dpd", threshold=500),
            "",
            (),
            "outcome.no_defaults",
            "no defaults under this definition (7 loans with a known outcome): check the values",
        ),
        (
            DefaultDefinition("flag", "flag01", values=(0, 1)),
            "",
            (),
            "outcome.all_defaults",
            "all 7 loans with a known outcome are defaults under this definition: check the values",
        ),
        (
            DefaultDefinition("flag", "empty", values=(1,)),
            "",
            (),
            "outcome.no_known",
            "no loan has a known outcome under this definition (column 'empty'): check the column and values",
        ),
    ],
)
def test_one_class_definitions_warn_and_strict_raises(con, defn, where, params, key, message) -> None:
    _loans(con)
    summary = datasets.default_summary(con, "loans", defn, where, params)
    assert summary["one_class"] is True
    assert summary["warning"] == Notice(key, **summary["warning"].params)
    assert str(summary["warning"]) == message
    assert summary["warning"].message("zh") != message
    with pytest.raises(RiskLabError) as exc:
        datasets.default_summary(con, "loans", defn, where, params, strict=True)
    assert str(exc.value) == message
    with pytest.raises(RiskLabError) as exc:
        datasets.check_two_classes(summary)
    assert str(exc.value) == message


def test_save_and_load_survive_reconnecting(tmp_path) -> None:
    path = tmp_path / "risk.duckdb"
    con = store.connect(path)
    _loans(con)
    assert datasets.load_definition(con, "loans") is None
    defs = [
        DefaultDefinition("flag", "违约", values=("违约",)),
        DefaultDefinition("flag", "flag01", values=(1, "1", True)),
        DefaultDefinition("dpd", "dpd", threshold=60),
        DefaultDefinition("classification", "五级分类", labels=("可疑", "损失")),
    ]
    for defn in defs:
        datasets.save_definition(con, "loans", defn)
        assert datasets.load_definition(con, "loans") == defn
    con.close()
    con = store.connect(path)
    try:
        loaded = datasets.load_definition(con, "loans")
        assert loaded == DefaultDefinition("classification", "五级分类", labels=("doubtful", "loss"))
        assert datasets.default_summary(con, "loans", loaded)["defaults"] == 2
        rows = con.execute("SELECT count(*) FROM risklab_catalog.default_definitions").fetchall()
        assert rows == [(1,)]
        audit = con.execute("SELECT action, table_name, detail FROM risklab_catalog.audit ORDER BY id").fetchall()
        assert [a for a, _, _ in audit] == ["save_default_definition"] * 4
        assert json.loads(audit[1][2]) == {"kind": "flag", "column": "flag01", "values": [1, "1", True]}
    finally:
        con.close()


@pytest.mark.parametrize(
    ("defn", "message"),
    [
        (DefaultDefinition("flag", "nope", values=(1,)), "table 'loans' has no column 'nope'"),
        (
            DefaultDefinition("dpd", "dpd_text", threshold=90),
            "column 'dpd_text' holds VARCHAR values, not a number of days past due: choose a numeric column",
        ),
        (DefaultDefinition("flag", "empty", values=(1,)), "column 'empty' has no values: choose another column"),
        (
            DefaultDefinition("flag", "违约", values=("Y", "1")),
            "none of the values Y, 1 occurs in column '违约' (its most frequent values: 正常, 违约); check the values",
        ),
        (
            DefaultDefinition("classification", "letters"),
            "column 'letters' holds no five-category labels (normal/正常 ... loss/损失, or codes 1-5); "
            "its most frequent values: a, b, c, d, e",
        ),
        (
            DefaultDefinition("dpd", "dpd", threshold=-1),
            "the days-past-due threshold must be a whole number of days, at least 1 (got -1)",
        ),
    ],
)
def test_save_definition_refuses_what_does_not_fit_the_data(con, defn: DefaultDefinition, message: str) -> None:
    _loans(con)
    datasets.save_definition(con, "loans", DefaultDefinition("dpd", "dpd", threshold=90))
    with pytest.raises(RiskLabError) as exc:
        datasets.save_definition(con, "loans", defn)
    assert str(exc.value) == message
    assert exc.value.message("zh") != message
    assert datasets.load_definition(con, "loans") == DefaultDefinition("dpd", "dpd", threshold=90)


def test_save_definition_needs_a_table(con) -> None:
    with pytest.raises(RiskLabError) as exc:
        datasets.save_definition(con, "missing", DefaultDefinition("dpd", "dpd", threshold=90))
    assert str(exc.value) == "there is no table named 'missing'"
    with pytest.raises(RiskLabError) as exc:
        datasets.default_summary(con, "missing", DefaultDefinition("dpd", "dpd", threshold=90))
    assert str(exc.value) == "there is no table named 'missing'"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["Y", "N", "Y", None], ("Y",)),
        (["违约", "正常", "违约"], ("违约",)),
        (["是", "否"], ("是",)),
        (["good", "bad", "Bad"], ("Bad", "bad")),
        (["Default", "Fully Paid"], ("Default",)),
        (pd.array([0, 1, 1], dtype="Int64"), ("1",)),
        ([0.0, 1.0], ("1.0",)),
        (pd.array([True, False], dtype="boolean"), ("true",)),
    ],
)
def test_suggest_flag_values(con, values, expected) -> None:
    _table(con, "t", pd.DataFrame({"outcome_col": values}))
    got = datasets.suggest_definition(con, "t", {"outcome_col": "outcome"})
    assert got == DefaultDefinition("flag", "outcome_col", values=expected)
    datasets.save_definition(con, "t", got)  # the suggestion is valid


def test_suggest_falls_back_to_dpd_classification_status(con) -> None:
    _table(
        con,
        "t",
        pd.DataFrame(
            {
                "o": ["A", "B"],
                "dpd": [0, 100],
                "cls": ["正常", "损失"],
                "status": ["current", "written_off"],
                "dpd_text": ["0", "100"],
            }
        ),
    )
    base = {"o": "outcome", "dpd_text": "days_past_due"}
    assert datasets.suggest_definition(con, "t", {**base, "dpd": "days_past_due", "cls": "classification"}) == (
        DefaultDefinition("dpd", "dpd", threshold=90)
    )
    assert datasets.suggest_definition(con, "t", {**base, "cls": "classification", "status": "status"}) == (
        DefaultDefinition("classification", "cls", labels=("substandard", "doubtful", "loss"))
    )
    assert datasets.suggest_definition(con, "t", {**base, "status": "status"}) == (
        DefaultDefinition("flag", "status", values=("written_off",))
    )
    assert datasets.suggest_definition(con, "t", base) is None
    assert datasets.suggest_definition(con, "t", {"gone": "outcome"}) is None


def test_text_key_sql_matches_python() -> None:
    con = store.connect(":memory:")
    try:
        samples = ["  Special Mention ", "1.0", "1.00", "-2.0", "1.5", "A-B", "违约", "TRUE"]
        got = [con.execute(f"SELECT {datasets.text_key_sql('?')}", [s]).fetchall()[0][0] for s in samples]
        assert got == [datasets.text_key(s) for s in samples]
        assert got == ["special_mention", "1", "1", "-2", "1.5", "a-b", "违约", "true"]
    finally:
        con.close()
