"""Points that add up and reason codes: the score is the sum of the rounded points everywhere (Python, the SQL
export run in DuckDB, batch scoring), and reason codes name the factors furthest below their best attribute."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from analytics import model, store
from analytics.model import Encoding, FactorSpec, ModelSpec, SavedModel, Scaling
from tests.test_model import run_cli

APPLICATIONS = 1000
REASONS = ["reason_1", "reason_1_points", "reason_2", "reason_2_points", "reason_3", "reason_3_points"]


@pytest.fixture(scope="module")
def sample(demo_db_template):
    """The demo database's "sample scorecard" and its first 1,000 applications (read only)."""
    con = store.connect(demo_db_template, read_only=True)
    saved = model.load_model(con, "sample scorecard")
    frame = con.execute(f"SELECT * FROM sample_loans ORDER BY rowid LIMIT {APPLICATIONS}").df()
    whole = con.execute("SELECT * FROM sample_loans").df()
    yield con, saved, frame, whole
    con.close()


def named(reason: object) -> str | None:
    """A reason as a factor name, or None where there is none (pandas writes a missing text as NaN)."""
    return None if pd.isna(reason) else str(reason)


def hand_points(saved: SavedModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Each factor's whole points per application, read from the scorecard table: a level's rounded points, or
    points per unit x the value (or its natural log) rounded halves up."""
    card = saved.scorecard()
    out = {}
    for factor in (e.column for e in saved.encodings):
        rows = card[card["factor"] == factor]
        treatment = rows["treatment"].iloc[0]
        if treatment == "categorical":
            by_level = dict(zip(rows["attribute"], rows["points_rounded"].astype(float), strict=True))
            out[factor] = [by_level[str(v)] for v in frame[factor]]
        else:
            per_unit = rows["points"].item()
            x = frame[factor].astype(float)
            x = np.log(x) if treatment == "log" else x
            out[factor] = [math.floor(per_unit * v + 0.5) for v in x]
    return pd.DataFrame(out, index=frame.index)


def hand_scores(saved: SavedModel, frame: pd.DataFrame) -> np.ndarray:
    card = saved.scorecard()
    base = card.loc[card["factor"] == "base_points", "points_rounded"].item()
    return base + hand_points(saved, frame).sum(axis=1).to_numpy()


def test_the_sample_scorecard_has_every_kind_of_factor(sample):
    _, saved, frame, _ = sample
    assert {e.treatment for e in saved.encodings} == {"numeric", "log", "categorical"}
    assert len(frame) == APPLICATIONS and not np.isnan(saved.score(frame)).any()


def test_rounded_points_add_up_to_the_python_score(sample):
    _, saved, frame, _ = sample
    expected = hand_scores(saved, frame)
    np.testing.assert_array_equal(saved.score(frame), expected)
    assert (expected == np.round(expected)).all()
    exact = saved.exact_score(frame)
    assert np.abs(expected - exact).max() <= (len(saved.encodings) + 1) / 2  # rounding moves at most 1/2 a part
    assert np.abs(expected - exact).max() > 0.5  # ... and the exact score alone would not add up


def test_rounded_points_add_up_to_the_sql_export_in_duckdb(sample):
    con, saved, frame, _ = sample
    exported = con.execute(f"{saved.export_sql()} ORDER BY rowid LIMIT {APPLICATIONS}").df()
    np.testing.assert_array_equal(exported["score"].to_numpy(dtype=float), hand_scores(saved, frame))
    np.testing.assert_allclose(exported["pd"], saved.predict(frame), rtol=0, atol=1e-12)
    sql, params = saved.score_sql()
    bound = con.execute(f"SELECT {sql} AS s FROM sample_loans ORDER BY rowid LIMIT {APPLICATIONS}", params).df()
    np.testing.assert_array_equal(bound["s"].to_numpy(dtype=float), hand_scores(saved, frame))


def test_rounded_points_add_up_in_batch_scoring(sample, demo_db, tmp_path, capsys):
    _, saved, frame, _ = sample
    frame.to_csv(tmp_path / "applications.csv", index=False)
    output = tmp_path / "scored.csv"
    status, _, err = run_cli(
        capsys,
        demo_db,
        "score",
        "--model",
        "sample scorecard",
        "--input",
        str(tmp_path / "applications.csv"),
        "--output",
        str(output),
    )
    assert status == 0, err
    scored = pd.read_csv(output)
    np.testing.assert_array_equal(scored["score"].to_numpy(dtype=float), hand_scores(saved, frame))
    assert list(scored.columns[-7:]) == [*REASONS, "problem"]


def test_score_table_adds_up_like_the_sql(sample):
    con, saved, frame, _ = sample
    scores = saved.score_table(con, "sample_loans")
    np.testing.assert_array_equal(scores[:APPLICATIONS], hand_scores(saved, frame))
    exported = con.execute(f"{saved.export_sql()} ORDER BY rowid").fetchnumpy()["score"]
    np.testing.assert_array_equal(scores, exported)


def test_no_negative_zero_in_the_scorecard(sample):
    _, saved, _, _ = sample
    card = saved.scorecard()
    for column in ("coef", "points"):
        values = card[column].dropna().to_numpy(dtype=float)
        assert not np.signbit(values[values == 0]).any()
    assert (card.loc[card["attribute"].isin(["AAA", "none"]), "points_rounded"] == 0).all()
    assert not re.search(r"(^|,)-0(\.0*)?(,|$)", model.scorecard_csv(saved).decode("utf-8-sig"), re.MULTILINE)


def test_whole_points_round_halves_up():
    assert model.whole_points(np.array([2.5, -2.5, -0.4, 0.49, -0.5, 1.5])).tolist() == [3, -2, 0, 0, 0, 2]
    assert not np.signbit(model.whole_points(np.array([-0.4, -0.0]))).any()


# --- reason codes --------------------------------------------------------------------------------------------


def test_reason_codes_name_the_factors_furthest_below_their_best_attribute(sample):
    con, saved, frame, whole = sample
    points = hand_points(saved, frame)
    card = saved.scorecard()
    best = {}
    for factor in points.columns:
        rows = card[card["factor"] == factor]
        treatment = rows["treatment"].iloc[0]
        if treatment == "categorical":
            best[factor] = rows["points_rounded"].astype(float).max()
        else:  # linear in the value (or its log): the better end of its 1st to 99th percentile in the table
            values = whole[factor].astype(float).dropna()
            values = values[values > 0] if treatment == "log" else values
            low, high = np.quantile(values, [0.01, 0.99])  # linear interpolation, as DuckDB's quantile_cont
            per_unit = rows["points"].item()
            if treatment == "log":
                low, high = np.log(low), np.log(high)
            best[factor] = max(math.floor(per_unit * low + 0.5), math.floor(per_unit * high + 0.5))
    assert model.best_points(saved, model.value_ranges(con, saved)) == best
    codes = model.reason_codes(saved, frame, best)
    assert list(codes.columns) == REASONS
    factors = list(points.columns)
    for i in range(len(frame)):
        lost = sorted(((best[f] - points.at[i, f], -factors.index(f), f) for f in factors), reverse=True)
        lost = [(value, f) for value, _, f in lost if value > 0][:3]
        names = [named(codes.at[i, f"reason_{k}"]) for k in (1, 2, 3)]
        assert names == [f for _, f in lost] + [None] * (3 - len(lost))
        assert [codes.at[i, f"reason_{k}_points"] for k in range(1, len(lost) + 1)] == [v for v, _ in lost]
    two = codes["reason_2_points"].notna()  # an applicant at the best attribute of all but one factor has one reason
    assert two.sum() > 900
    assert (codes.loc[two, "reason_1_points"] >= codes.loc[two, "reason_2_points"]).all()


def _toy() -> SavedModel:
    """Two categorical factors with points a hand can check (factor 20 / ln 2 = 28.8539 points per log-odds)."""
    spec = ModelSpec("toy", (FactorSpec("rating", "categorical", "A"), FactorSpec("guarantee", "categorical", "none")))
    encodings = (
        Encoding("rating", "categorical", levels=("A", "B", "C")),
        Encoding("guarantee", "categorical", levels=("none", "pledge")),
    )
    params = {"const": -3.0, "rating[T.B]": 0.5, "rating[T.C]": 1.0, "guarantee[T.pledge]": -0.4}
    return SavedModel("toy", 1, spec, params, Scaling(600, 50, 20), encodings)


def test_reason_codes_by_hand_on_a_toy_scorecard():
    saved = _toy()
    # rating: A 0, B -14.43 -> -14, C -28.85 -> -29; guarantee: none 0, pledge +11.54 -> 12
    best = model.best_points(saved, {})
    assert best == {"rating": 0.0, "guarantee": 12.0}
    frame = pd.DataFrame(
        {"rating": ["C", "A", "B", "A", "Z"], "guarantee": ["none", "pledge", "pledge", "none", "none"]}
    )
    codes = model.reason_codes(saved, frame, best)
    assert list(map(named, codes["reason_1"])) == ["rating", None, "rating", "guarantee", None]
    assert codes["reason_1_points"].fillna(-1).tolist() == [29.0, -1, 14.0, 12.0, -1]
    assert list(map(named, codes["reason_2"])) == ["guarantee", None, None, None, None]
    assert codes.at[0, "reason_2_points"] == 12.0
    assert codes["reason_3"].isna().all()  # two factors: never a third reason
    assert saved.score(frame).tolist()[:4] == [
        saved.base_points - 29,
        saved.base_points + 12,
        saved.base_points - 14 + 12,
        saved.base_points,
    ]
    assert math.isnan(saved.score(frame)[4])  # an unseen level: no score, no reasons


def test_a_tie_goes_to_the_models_first_factor():
    saved = _toy()
    frame = pd.DataFrame({"rating": ["B"], "guarantee": ["none"]})
    codes = model.reason_codes(saved, frame, {"rating": 0.0, "guarantee": 14.0})  # both lose 14
    assert (codes.at[0, "reason_1"], codes.at[0, "reason_2"]) == ("rating", "guarantee")
