"""Python scoring maps distinct values once: the same texts, bin codes and PDs as the value-by-value way and SQL."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics import model
from analytics.factors import MISSING, OTHER, BinSpec
from analytics.model import _scorecard
from tests.conftest import add_table


def one_by_one(values: pd.Series) -> list:
    """The previous value-by-value ``_text``: the reference."""

    def one(v: object) -> str | None:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
            return None
        if isinstance(v, bool | np.bool_):
            return "true" if v else "false"
        return str(v)

    return [one(v) for v in values]


SERIES = {
    "text": pd.Series(["a", "b", None, "a", "c", "b"] * 5),
    "string_dtype": pd.Series(["x", None, "y", "x", "z", "y"] * 5, dtype="string"),
    "ints": pd.Series([1, 2, 3, 1, 2, 3] * 5),
    "floats_with_nan": pd.Series([1.0, np.nan, 2.5, 1.0, 3.0, np.nan] * 5),
    "booleans": pd.Series([True, False, True, True, False, False] * 5),
    "mixed_true_and_one": pd.Series([True, 1, "1", None, 1.0, False] * 5, dtype=object),
    "nullable_ints": pd.Series([1, None, 2, 1, None, 3] * 5, dtype="Int64"),
}


@pytest.mark.parametrize("name", list(SERIES))
def test_text_equals_value_by_value(name):
    values = SERIES[name]
    assert _scorecard._text(values).tolist() == one_by_one(values)


def test_mixed_kinds_keep_true_apart_from_one():
    text = _scorecard._text(pd.Series([True, 1, 1.0, "1", False, 0], dtype=object)).tolist()
    assert text == ["true", "1", "1.0", "1", "false", "0"]


def test_contributions_equal_value_by_value_lookup():
    rng = np.random.default_rng(3)
    levels = np.array(["own", "rent", "family", None, "unseen"], dtype=object)
    values = pd.Series(levels[rng.integers(0, 5, 2_000)], dtype=object)
    enc = model.Encoding("home", "categorical", levels=("own", "rent", "family", model.MISSING_LEVEL))
    coefs = [0.4, -0.3, 1.1]
    points = dict(zip(enc.levels, [0.0, *coefs], strict=True))
    expected = [points.get(model.MISSING_LEVEL if v is None else v, np.nan) for v in values]
    np.testing.assert_array_equal(model.contribution(enc, coefs, values), np.array(expected, dtype=float))

    bins = BinSpec("home", "categorical", "manual", groups=(("own",), ("rent", "family")))
    woe_enc = model.Encoding("home", "woe", bins=bins, woe=((0, -0.5), (1, 0.25), (MISSING, 0.75)))
    codes = model.bin_codes(bins, values)
    where = {"own": 0, "rent": 1, "family": 1}
    assert codes.tolist() == [MISSING if v is None else where.get(v, OTHER) for v in values]
    woe = dict(woe_enc.woe)
    expected = [0.8 * woe[c] if c in woe else np.nan for c in codes]
    np.testing.assert_array_equal(model.contribution(woe_enc, [0.8], values), np.array(expected, dtype=float))


def test_many_rows_score_like_sql(con, monkeypatch):
    """10,000 rows with missing and unseen values: Python PDs equal the SQL's to 1e-12, in one batch or many."""
    rng = np.random.default_rng(11)
    n = 10_000
    frame = pd.DataFrame(
        {
            "grade": pd.Series(np.array(["A", "B", "C", "D", None], dtype=object)[rng.integers(0, 5, n)]),
            "purpose": pd.Series(np.array(["farm", "shop", "home", None], dtype=object)[rng.integers(0, 4, n)]),
            "ratio": np.where(rng.random(n) < 0.05, np.nan, rng.random(n)),
            "income": rng.lognormal(10, 1, n) * np.where(rng.random(n) < 0.02, -1, 1),
        }
    )
    add_table(con, "loans", frame)
    encodings = (
        model.Encoding("grade", "categorical", levels=("A", "B", "C")),
        model.Encoding(
            "purpose",
            "woe",
            bins=BinSpec("home", "categorical", "manual", groups=(("farm",), ("shop",))),
            woe=((0, 0.3), (1, -0.2)),
        ),
        model.Encoding(
            "ratio",
            "woe",
            bins=BinSpec("ratio", "numeric", "manual", cuts=(0.3, 0.7)),
            woe=((0, -0.4), (1, 0.1), (2, 0.6), (-1, 0.9)),
        ),
        model.Encoding("income", "log"),
    )
    params = {
        "const": -1.5,
        "grade[T.B]": 0.4,
        "grade[T.C]": 0.9,
        "woe(purpose)": 1.1,
        "woe(ratio)": 0.8,
        "log(income)": -0.05,
    }
    sql_lo = model.log_odds_sql(encodings, params, model.literal)
    expected = con.execute(f"SELECT {_scorecard.pd_sql(sql_lo)} FROM loans ORDER BY rowid").df().iloc[:, 0]
    expected = expected.to_numpy(dtype=float, na_value=np.nan)
    got = 1 / (1 + np.exp(-model.predict_log_odds(encodings, params, frame)))
    assert np.isnan(got).sum() == np.isnan(expected).sum() > 1_000  # unseen grades, 'home', negative incomes
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    saved = model.SavedModel("m", 1, None, params, encodings=encodings)
    from_table = saved.predict_table(con, "loans")  # text fetched as Arrow dictionaries (pandas categories)
    np.testing.assert_array_equal(from_table, saved.predict(frame))
    np.testing.assert_allclose(from_table, expected, rtol=0, atol=1e-12)
    batches = []
    monkeypatch.setattr(_scorecard, "PREDICT_BATCH", 4096)  # in batches, each with its own text dictionaries
    predict = model.SavedModel.predict
    monkeypatch.setattr(model.SavedModel, "predict", lambda m, f: batches.append(len(f)) or predict(m, f))
    np.testing.assert_array_equal(saved.predict_table(con, "loans"), from_table)
    assert len(batches) >= 3 and max(batches) <= 4096 and sum(batches) == len(frame)
