"""Provisions, ECL and pricing pinned against hand computations on small tables with every five-category class
(English and Chinese labels), every stage and three grades."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from analytics import core, datasets, model, portfolio, provisions
from analytics.cli import main
from analytics.core import RiskLabError
from tests.conftest import add_table

# --- the hand-made performance table --------------------------------------------------------------------------------
# Ten loans L1-L10 originated in January 2024 and one (L11) paid off in March; four older loans X1-X4 of September
# 2023 give the default curve a later default (X4, 120 days past due at months on book 4) and close in March.
# In March 2024 (the as-of month):
#   loan  label            balance  dpd  held  branch  segment     guarantee   term
#   L1    normal              1000    0     0  A       farm        mortgage    12
#   L2    正常                2000    0     0  A       farm        none         3
#   L3    special mention      500   10    10  A       farm        guarantor   12
#   L4    关注                 300   40    10  A       farm        联保          3
#   L5    substandard          400  100    80  A       farm        collateral  12
#   L6    次级                 100   95    20  B       enterprise  抵押         12
#   L7    doubtful             200  200    80  B       enterprise  none        12
#   L8    可疑                  50  300    20  B       enterprise  (missing)   12
#   L9    loss                  80  400    80  B       enterprise  guarantor   12
#   L10   损失                  20  500    30  B       enterprise  信用         12
MARCH = [
    ("L1", "normal", 1000.0, 0, 0.0, "A", "farm", "mortgage", 12),
    ("L2", "正常", 2000.0, 0, 0.0, "A", "farm", "none", 3),
    ("L3", "special mention", 500.0, 10, 10.0, "A", "farm", "guarantor", 12),
    ("L4", "关注", 300.0, 40, 10.0, "A", "farm", "联保", 3),
    ("L5", "substandard", 400.0, 100, 80.0, "A", "farm", "collateral", 12),
    ("L6", "次级", 100.0, 95, 20.0, "B", "enterprise", "抵押", 12),
    ("L7", "doubtful", 200.0, 200, 80.0, "B", "enterprise", "none", 12),
    ("L8", "可疑", 50.0, 300, 20.0, "B", "enterprise", None, 12),
    ("L9", "loss", 80.0, 400, 80.0, "B", "enterprise", "guarantor", 12),
    ("L10", "损失", 20.0, 500, 30.0, "B", "enterprise", "信用", 12),
]
# February: (label, dpd) of L1-L10 (same balances); L11 700 normal, paid off in March
FEBRUARY = {
    "L1": ("normal", 0),
    "L2": ("normal", 0),
    "L3": ("normal", 0),
    "L4": ("special mention", 35),
    "L5": ("special mention", 70),
    "L6": ("关注", 65),
    "L7": ("special mention", 80),
    "L8": ("special mention", 60),
    "L9": ("special mention", 85),
    "L10": ("special mention", 50),
}


def _tiny_frame() -> pd.DataFrame:
    rows = []
    for loan, label, balance, dpd, held, branch, segment, guarantee, term in MARCH:
        common = {"branch": branch, "segment": segment, "guarantee_method": guarantee, "term": term}
        start = {"loan_id": loan, "origination_date": "2024-01-10", **common}
        rows.append(
            {
                **start,
                "snapshot_date": "2024-01-31",
                "balance": balance,
                "days_past_due": 0,
                "classification": "normal",
                "loan_loss_provision": 0.0,
            }
        )
        feb_label, feb_dpd = FEBRUARY[loan]
        rows.append(
            {
                **start,
                "snapshot_date": "2024-02-29",
                "balance": balance,
                "days_past_due": feb_dpd,
                "classification": feb_label,
                "loan_loss_provision": 0.0,
            }
        )
        rows.append(
            {
                **start,
                "snapshot_date": "2024-03-31",
                "balance": balance,
                "days_past_due": dpd,
                "classification": label,
                "loan_loss_provision": held,
            }
        )
    l11 = {
        "loan_id": "L11",
        "origination_date": "2024-01-10",
        "branch": "A",
        "segment": "farm",
        "guarantee_method": "none",
        "term": 12,
        "days_past_due": 0,
        "classification": "normal",
        "loan_loss_provision": 0.0,
    }
    for month, balance in (("2024-01-31", 700.0), ("2024-02-29", 700.0), ("2024-03-31", 0.0)):
        rows.append({**l11, "snapshot_date": month, "balance": balance})
    months = ["2023-09-30", "2023-10-31", "2023-11-30", "2023-12-31", "2024-01-31", "2024-02-29", "2024-03-31"]
    for loan in ("X1", "X2", "X3", "X4"):
        for i, month in enumerate(months):
            dpd = 120 + 30 * (i - 4) if loan == "X4" and i >= 4 else 0
            label = "substandard" if dpd >= 90 else "normal"
            rows.append(
                {
                    "loan_id": loan,
                    "origination_date": "2023-09-15",
                    "branch": "B",
                    "segment": "farm",
                    "guarantee_method": "none",
                    "term": 12,
                    "snapshot_date": month,
                    "balance": 0.0 if i == 6 else 100.0,
                    "days_past_due": dpd,
                    "classification": label,
                    "loan_loss_provision": 0.0,
                }
            )
    frame = pd.DataFrame(rows)
    frame["snapshot_date"] = pd.to_datetime(frame["snapshot_date"]).dt.date
    frame["origination_date"] = pd.to_datetime(frame["origination_date"]).dt.date
    return frame


@pytest.fixture
def tiny(con):
    add_table(con, "tiny", _tiny_frame())
    ctx = datasets.table_context(con, "tiny")
    return con, ctx, portfolio.resolve(con, ctx)


SETTINGS = provisions.Settings()

# --- provisions: every ratio by hand ------------------------------------------------------------------------------
# normal 3000 x 0 = 0; special mention 800 x 2% = 16; substandard 500 x 25% = 125 (range 100-150);
# doubtful 250 x 50% = 125 (range 100-150); loss 100 x 100% = 100. Gross 4650, NPL 850.
HAND = {
    "gross_loans": 4650.0,
    "npl_balance": 850.0,
    "specific_provisions": 366.0,
    "general_reserve": 46.5,
    "required_reserve": 412.5,
    "required_low": 362.5,
    "required_high": 462.5,
    "coverage_ratio": 412.5 / 850,
    "provision_to_loan_ratio": 412.5 / 4650,
    "provisions_held": 330.0,
    "reserve_adequacy_ratio": 330 / 412.5,
}


def test_the_held_provisions_column_is_detected(tiny):
    _, ctx, source = tiny
    assert ctx.role_map["loan_loss_provision"] == "provision_held"
    assert source.col("provision_held") == "loan_loss_provision"
    assert source.col("term") == "term"


def test_provisions_match_the_hand_computation(tiny):
    con, _, source = tiny
    result = provisions.provisions(con, source, SETTINGS, as_of="2024-03-31")
    assert result.as_of == dt.date(2024, 3, 31)
    for key, value in HAND.items():
        assert result.get(key) == pytest.approx(value, rel=1e-12), key
    by = result.by_category.set_index("category")
    assert list(by.index) == list(provisions.CATEGORY_KEYS)
    assert by["balance"].tolist() == [3000.0, 800.0, 500.0, 250.0, 100.0]
    assert by["loans"].tolist() == [2, 2, 2, 2, 2]
    assert by["provision"].tolist() == pytest.approx([0.0, 16.0, 125.0, 125.0, 100.0])
    assert by.loc["substandard", ["rate_low", "rate_high"]].tolist() == pytest.approx([0.20, 0.30])
    assert by.loc["doubtful", ["provision_low", "provision_high"]].tolist() == pytest.approx([100.0, 150.0])
    assert by.loc["loss", ["rate_low", "rate_high"]].tolist() == [1.0, 1.0]


def test_the_ratios_are_flagged_below_their_minimums(tiny):
    con, _, source = tiny
    result = provisions.provisions(con, source, SETTINGS, as_of="2024-03")
    assert provisions.below_minimum("coverage_ratio", result.get("coverage_ratio"), SETTINGS)  # 48.5% < 150%
    assert not provisions.below_minimum("provision_to_loan_ratio", result.get("provision_to_loan_ratio"), SETTINGS)
    assert provisions.below_minimum("reserve_adequacy_ratio", result.get("reserve_adequacy_ratio"), SETTINGS)


def test_edited_rates_change_the_figures(tiny):
    con, _, source = tiny
    settings = provisions.Settings(rates=(("special_mention", 0.05), ("substandard", 0.30)), general=0.015)
    result = provisions.provisions(con, source, settings, as_of="2024-03-31")
    specific = 800 * 0.05 + 500 * 0.30 + 250 * 0.5 + 100
    assert result.get("specific_provisions") == pytest.approx(specific)
    assert result.get("required_reserve") == pytest.approx(specific + 4650 * 0.015)
    assert result.get("required_low") == pytest.approx(800 * 0.05 + 500 * 0.24 + 250 * 0.4 + 100 + 4650 * 0.015)


def test_provisions_by_branch_by_hand(tiny):
    con, _, source = tiny
    frame = provisions.provisions_by(con, source, SETTINGS, "branch", as_of="2024-03-31").set_index("group")
    # A: normal 3000, special mention 800 (16), substandard 400 (100); B: substandard 100 (25), doubtful 250
    # (125), loss 100 (100)
    assert frame.loc["A", "gross_loans"] == 4200.0
    assert frame.loc["A", "required_reserve"] == pytest.approx(116 + 42)
    assert frame.loc["A", "coverage_ratio"] == pytest.approx(158 / 400)
    assert frame.loc["A", "reserve_adequacy_ratio"] == pytest.approx(100 / 158)
    assert frame.loc["B", "required_reserve"] == pytest.approx(250 + 4.5)
    assert frame.loc["B", "coverage_ratio"] == pytest.approx(254.5 / 450)
    assert frame.loc["B", "provision_to_loan_ratio"] == pytest.approx(254.5 / 450)
    assert list(frame.index) == ["A", "B"]  # largest first


def test_provisions_over_time(tiny):
    con, _, source = tiny
    trend = provisions.provisions_trend(con, source, SETTINGS).set_index("month")
    march = trend.loc[dt.date(2024, 3, 1)]
    assert march["required_reserve"] == pytest.approx(412.5)
    # February: normal 1000 + 2000 + 500 + 700 (L11) + 300 (X1-X3); special mention 300 + 400 + 100 + 200 + 50
    # + 80 + 20 = 1150; X4 substandard 100
    february = trend.loc[dt.date(2024, 2, 1)]
    assert february["gross_loans"] == pytest.approx(4500 + 1150 + 100)
    assert february["specific_provisions"] == pytest.approx(1150 * 0.02 + 100 * 0.25)
    assert february["coverage_ratio"] == pytest.approx((23 + 25 + 57.5) / 100)


def test_the_trend_without_a_held_column_reads_the_monthly_summary(con):
    frame = _tiny_frame().drop(columns="loan_loss_provision")
    add_table(con, "tiny", frame)
    source = portfolio.resolve(con, datasets.table_context(con, "tiny"))
    trend = provisions.provisions_trend(con, source, SETTINGS).set_index("month")
    assert trend.loc[dt.date(2024, 3, 1), "required_reserve"] == pytest.approx(412.5)
    assert np.isnan(trend.loc[dt.date(2024, 3, 1), "reserve_adequacy_ratio"])
    result = provisions.provisions(con, source, SETTINGS)
    assert result.get("provisions_held") is None and result.get("reserve_adequacy_ratio") is None


def test_settings_are_saved_per_database(con):
    assert provisions.load_settings(con) == provisions.Settings()
    edited = provisions.Settings(rates=(("doubtful", 0.6),), minimums=(("coverage_ratio", 1.2),), pd_multiple=3.0)
    provisions.save_settings(con, edited)
    loaded = provisions.load_settings(con)
    assert loaded.rate("doubtful") == 0.6 and loaded.rate("loss") == 1.0
    assert loaded.minimum("coverage_ratio") == 1.2 and loaded.minimum("provision_to_loan_ratio") == 0.025
    assert loaded.pd_multiple == 3.0


@pytest.mark.parametrize(
    "options",
    [{"rates": (("doubtful", 1.5),)}, {"rates": (("bad", 0.1),)}, {"general": -0.01}, {"pd_multiple": 0.5}],
)
def test_bad_settings_say_what_is_wrong(options):
    with pytest.raises(RiskLabError) as caught:
        provisions.Settings(**options)
    assert caught.value.key in ("provisions.bad_setting", "provisions.bad_key")
    assert str(caught.value)


def test_the_labels_exist_in_both_languages():
    for key in (*provisions.FIGURE_KEYS, "rate", "rate_low", "rate_high", "provision", "ecl", "stage"):
        assert core.column_label(key, "en") != key
        assert core.column_label(key, "zh") != key
    assert "拨备覆盖率" in core.column_label("coverage_ratio", "zh")
    assert "贷款拨备率" in core.column_label("provision_to_loan_ratio", "zh")


# --- ECL: every stage by hand -------------------------------------------------------------------------------------
# The pooled default curve by months on book: mob 0-1 no defaults over 15 loans; mob 2: L5-L10 default (90+ days)
# 6 / 15 = 0.4 (both cohorts observed); mob 3: 0 / 4; mob 4: X4, 1 / 4 = 0.25; mob 5-6: 0.
# C = [0, 0, 0.4, 0.4, 0.65, 0.65, 0.65]. In March every L loan is at mob 2; remaining term = term - 2.
# stage 1: L1 (12 months: horizon min(12, 10) = 10): (C(6) - C(2)) / (1 - C(2)) = 0.25 / 0.6, x LGD mortgage 0.30
#          x 1000 = 125; L2 (term 3: horizon 1): (C(3) - C(2)) / 0.6 = 0 -> 0
# stage 2: L3 (special mention, horizon 10): 0.25 / 0.6 x guarantor 0.50 x 500 = 104.1667; L4 (关注, 40 dpd,
#          horizon 1): 0
# stage 3 (PD 1): 400 x 0.40 + 100 x 0.30 + 200 x 0.65 + 50 x 0.60 (missing: other) + 80 x 0.50 + 20 x 0.65 = 403
ECL_BY_STAGE = {1: 125.0, 2: 0.25 / 0.6 * 0.5 * 500, 3: 403.0}


def test_the_pooled_default_curve_by_hand(tiny):
    con, _, source = tiny
    curve = provisions.default_curve(portfolio.vintages(con, source, by="month", max_mob=60))
    assert curve["cumulative"].tolist() == pytest.approx([0, 0, 0.4, 0.4, 0.65, 0.65, 0.65])
    pd_ = provisions.curve_pd(curve, np.array([2, 2, 0, 6]), np.array([10, 1, 2, 12]))
    assert pd_.tolist() == pytest.approx([0.25 / 0.6, 0.0, 0.4, 0.0])


def test_ecl_per_stage_matches_the_hand_computation(tiny):
    con, ctx, source = tiny
    result = provisions.ecl(con, ctx, source, SETTINGS, as_of="2024-03-31")
    assert result.pd_source == "curves" and not result.term_assumed and not result.pd_multiple_used
    by = result.by_stage.set_index("stage")
    assert by["loans"].tolist() == [2, 2, 6]
    assert by["balance"].tolist() == [3000.0, 800.0, 850.0]
    assert by["ecl"].tolist() == pytest.approx([ECL_BY_STAGE[1], ECL_BY_STAGE[2], ECL_BY_STAGE[3]])
    assert by.loc[3, "pd"] == 1.0
    assert by.loc[1, "pd"] == pytest.approx(0.25 / 0.6 * 1000 / 3000)  # balance-weighted
    assert result.total == pytest.approx(sum(ECL_BY_STAGE.values()))
    segments = result.by_segment.set_index(["segment", "stage"])
    assert segments.loc[("farm", 3), "ecl"] == pytest.approx(160.0)
    assert segments.loc[("enterprise", 3), "ecl"] == pytest.approx(243.0)
    report = result.report()
    assert report["by_stage"]["stage_3"]["ecl"] == pytest.approx(403.0)
    json.dumps(report)


def test_ecl_without_a_term_assumes_the_lifetime_setting(con):
    add_table(con, "tiny", _tiny_frame().drop(columns="term"))
    ctx = datasets.table_context(con, "tiny")
    source = portfolio.resolve(con, ctx)
    settings = provisions.Settings(lifetime_months=1.0)  # every horizon is one month: mob 2 -> 3, no default
    result = provisions.ecl(con, ctx, source, settings, as_of="2024-03-31")
    assert result.term_assumed
    assert result.by_stage.set_index("stage")["ecl"].tolist() == pytest.approx([0.0, 0.0, 403.0])


def test_a_model_pd_is_scaled_to_the_horizon():
    assert provisions.scaled_pd(np.array([0.1]), np.array([24]), 12.0)[0] == pytest.approx(1 - 0.9**2)
    assert provisions.scaled_pd(np.array([0.1]), np.array([6]), 12.0)[0] == pytest.approx(1 - 0.9**0.5)


def test_the_stage_migration_by_hand(tiny):
    con, _, source = tiny
    moves = provisions.stage_migration(con, source, SETTINGS, "2024-02", "2024-03")
    matrix = provisions.migration_matrix(moves).set_index("from_stage")
    # from stage 1 in February (balance 4500): L1, L2 stay (3000), L3 to stage 2 (500), L11 and X1-X3 close (1000)
    assert matrix.loc["stage_1"].tolist() == pytest.approx([3000 / 4500, 500 / 4500, 0, 1000 / 4500])
    # from stage 2 (1150): L4 stays (300), L5-L10 to stage 3 (850)
    assert matrix.loc["stage_2"].tolist() == pytest.approx([0, 300 / 1150, 850 / 1150, 0])
    assert matrix.loc["stage_3"].tolist() == pytest.approx([0, 0, 0, 1.0])  # X4 closed
    with pytest.raises(RiskLabError):
        provisions.stage_migration(con, source, SETTINGS, "2024-03", "2024-02")


# --- pricing --------------------------------------------------------------------------------------------------------


def test_the_cgap_formula_by_hand():
    # Rosenberg's own illustration of a rate: administrative expenses of 200,000 on an average portfolio of 800,000
    # give AE = 0.25; with LL 0.02, CF 0.10, K 0.05 and II 0.01: R = 0.41 / 0.98
    costs = provisions.Costs(admin=200_000 / 800_000, funds=0.10, capital=0.05, investment=0.01)
    assert provisions.break_even_rate(costs, 0.02) == pytest.approx(0.41 / 0.98)
    assert provisions.break_even_rate(costs, 0.0) == pytest.approx(0.39)
    with pytest.raises(RiskLabError):
        provisions.break_even_rate(costs, 1.0)


@pytest.fixture
def priced(con):
    """Three levels whose saturated logit gives PD 1%, 3% and 15% exactly; amounts 1000, rates in percent."""
    rows = []
    for level, defaults, guarantee, rate in (("a", 1, "mortgage", 6.0), ("b", 3, "none", 8.0), ("c", 15, "保证", 10.0)):
        for i in range(100):
            rows.append(
                {
                    "loan_id": f"{level}{i}",
                    "level": level,
                    "default_flag": int(i < defaults),
                    "loan_amount": 1000.0,
                    "guarantee_method": guarantee,
                    "interest_rate": rate,
                }
            )
    add_table(con, "apps", pd.DataFrame(rows))
    ctx = datasets.table_context(con, "apps")
    spec = model.ModelSpec(
        "apps",
        (model.FactorSpec("level", "categorical", "a"),),
        booked_only=False,
        outcome=datasets.DefaultDefinition("flag", "default_flag", values=(1,)),
    )
    model.save_model(con, "levels", model.fit_model(con, ctx, spec))
    return con, ctx, model.load_model(con, "levels")


def test_pricing_per_grade_by_hand(priced):
    con, ctx, saved = priced
    result = provisions.pricing(con, ctx, saved, provisions.Costs(), SETTINGS, cutoff=0.10)
    by = result.by_band.set_index("grade")
    assert list(by.index) == ["A", "B", "D"]  # PD 1% < 2%; 3% < 5%; 15% < 20%
    assert by["pd"].tolist() == pytest.approx([0.01, 0.03, 0.15], abs=1e-8)
    loss = [0.01 * 0.30, 0.03 * 0.65, 0.15 * 0.50]  # LGD: mortgage, none, guarantor (保证)
    assert by["loss_rate"].tolist() == pytest.approx(loss, abs=1e-8)
    base = 0.02 + 0.025 + 0.005 - 0.005
    expected = [(base + ll) / (1 - ll) for ll in loss]
    assert by["break_even_rate"].tolist() == pytest.approx(expected, abs=1e-8)
    assert by["charged_rate"].tolist() == pytest.approx([0.06, 0.08, 0.10])
    assert by["under_priced"].tolist() == [False, False, True]
    assert by.loc["D", "rate_gap"] == pytest.approx(0.10 - 0.12 / 0.925, abs=1e-8)
    # approved at PD < 10%: a and b; profit = 100 x 1000 x (charged (1 - LL) + II - AE - LL - CF)
    profit = sum(100_000 * (r * (1 - ll) + 0.005 - 0.02 - ll - 0.025) for r, ll in ((0.06, loss[0]), (0.08, loss[1])))
    assert result.profit == pytest.approx(profit, rel=1e-7)
    assert result.approved == 200 and result.rate_in_percent
    json.dumps(result.report())


def test_pricing_refuses_bad_costs():
    with pytest.raises(RiskLabError) as caught:
        provisions.Costs(admin=float("nan"))
    assert caught.value.key == "provisions.bad_cost"


# --- the command line ---------------------------------------------------------------------------------------------


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run the command line in this process: exit status, stdout and stderr."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def tiny_db(tmp_path):
    from analytics import store

    path = tmp_path / "tiny.duckdb"
    connection = store.connect(path)
    add_table(connection, "tiny", _tiny_frame())
    connection.close()
    return path


def test_cli_provisions_prints_the_hand_figures(tiny_db, capsys):
    code, out, err = cli(capsys, "--db", str(tiny_db), "provisions", "--table", "tiny", "--as-of", "2024-03-31")
    assert code == 0, err
    result = json.loads(out)
    for key in ("as_of", "gross_loans", "npl_balance", "specific_provisions", "general_reserve"):
        assert key in result
    assert result["as_of"] == "2024-03-31"
    assert result["coverage_ratio"] == pytest.approx(412.5 / 850)
    assert result["provision_to_loan_ratio"] == pytest.approx(412.5 / 4650)
    assert result["by_category"]["doubtful"]["provision"] == pytest.approx(125.0)
    code, out, _ = cli(
        capsys, "--db", str(tiny_db), "provisions", "--table", "tiny", "--rate", "doubtful=0.6", "--general", "0.02"
    )
    assert json.loads(out)["required_reserve"] == pytest.approx(16 + 125 + 150 + 100 + 93)


def test_cli_ecl_prints_each_stage(tiny_db, capsys):
    code, out, err = cli(capsys, "--db", str(tiny_db), "ecl", "--table", "tiny", "--as-of", "2024-03-31")
    assert code == 0, err
    stages = json.loads(out)["by_stage"]
    assert [stages[f"stage_{s}"]["ecl"] for s in (1, 2, 3)] == pytest.approx(list(ECL_BY_STAGE.values()))


@pytest.mark.parametrize(
    "args",
    [
        ("provisions", "--table", "nope"),
        ("provisions", "--table", "tiny", "--rate", "loss"),
        ("provisions", "--table", "tiny", "--rate", "worst=0.5"),
        ("provisions", "--table", "tiny", "--general", "2"),
        ("provisions", "--table", "tiny", "--as-of", "someday"),
        ("ecl", "--table", "tiny", "--model", "nope"),
        ("pricing", "--model", "nope", "--table", "tiny"),
    ],
)
def test_cli_bad_input_is_one_error_line(tiny_db, capsys, args):
    code, out, err = cli(capsys, "--db", str(tiny_db), *args)
    assert code == 1 and out == ""
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1


def test_cli_provisions_takes_the_held_column_by_role(tmp_path, capsys):
    from analytics import store

    path = tmp_path / "renamed.duckdb"
    connection = store.connect(path)
    add_table(connection, "tiny", _tiny_frame().rename(columns={"loan_loss_provision": "kept_aside"}))
    connection.close()
    code, out, _ = cli(capsys, "--db", str(path), "provisions", "--table", "tiny", "--as-of", "2024-03-31")
    assert code == 0 and json.loads(out)["reserve_adequacy_ratio"] is None
    role = ("--role", "provision_held=kept_aside")
    code, out, err = cli(capsys, "--db", str(path), "provisions", "--table", "tiny", "--as-of", "2024-03-31", *role)
    assert code == 0, err
    assert json.loads(out)["reserve_adequacy_ratio"] == pytest.approx(330 / 412.5)


# --- ECL from a saved model: every stage by hand --------------------------------------------------------------------
# The model's table: levels a, b, c with PD 1%, 3%, 15% exactly (saturated logit); L1, L2 are a, L3, L4 are b and
# L5-L10 c. The performance table holds the factor at each month: L2's level is c in March (PD 15% now, 15 times
# its 1% at origination: stage 2 by the PD rule). PD over h months: 1 - (1 - PD) ^ (h / 12).
#   stage 1: L1: 1 - 0.99^(10/12) x 0.30 x 1000
#   stage 2: L2: 1 - 0.85^(1/12) x 0.65 x 2000; L3: 1 - 0.97^(10/12) x 0.50 x 500; L4: 1 - 0.97^(1/12) x 0.55 x 300
#   stage 3: 403 (PD 1)
MODEL_ECL = {
    1: (1 - 0.99 ** (10 / 12)) * 0.30 * 1000,
    2: (1 - 0.85 ** (1 / 12)) * 0.65 * 2000 + (1 - 0.97 ** (10 / 12)) * 0.5 * 500 + (1 - 0.97 ** (1 / 12)) * 0.55 * 300,
    3: 403.0,
}
LEVELS = {"L1": "a", "L2": "a", "L3": "b", "L4": "b", **{f"L{i}": "c" for i in range(5, 11)}}


def test_ecl_from_a_saved_model_by_hand(priced):
    con, _, _ = priced
    renames = {}
    for loan, level in LEVELS.items():  # give each L loan a row of its level in the model's table
        row = next(f"{level}{i}" for i in range(100) if f"{level}{i}" not in renames)
        renames[row] = loan
    for row, loan in renames.items():
        con.execute("UPDATE apps SET loan_id = ? WHERE loan_id = ?", [loan, row])
    frame = _tiny_frame()
    frame["level"] = frame["loan_id"].map(LEVELS).fillna("a")
    march_l2 = (frame["loan_id"] == "L2") & (frame["snapshot_date"] == dt.date(2024, 3, 31))
    frame.loc[march_l2, "level"] = "c"
    add_table(con, "tiny", frame)
    ctx = datasets.table_context(con, "tiny")
    source = portfolio.resolve(con, ctx)
    saved = model.load_model(con, "levels")
    result = provisions.ecl(con, ctx, source, SETTINGS, as_of="2024-03-31", saved=saved)
    assert result.pd_source == "model" and result.pd_multiple_used
    by = result.by_stage.set_index("stage")
    assert by["loans"].tolist() == [1, 3, 6]
    assert by["ecl"].tolist() == pytest.approx([MODEL_ECL[1], MODEL_ECL[2], MODEL_ECL[3]], rel=1e-7)
    without = provisions.ecl(con, ctx, source, provisions.Settings(pd_multiple=20.0), as_of="2024-03", saved=saved)
    assert without.by_stage.set_index("stage")["loans"].tolist() == [2, 2, 6]  # 15 times is below 20 times


def test_ecl_from_a_saved_model_takes_the_term_from_the_model_table(priced):
    con, _, _ = priced
    for row, loan in (("a0", "L1"), ("a1", "L2"), ("b0", "L3"), ("b1", "L4")):
        con.execute("UPDATE apps SET loan_id = ? WHERE loan_id = ?", [loan, row])
    con.execute("ALTER TABLE apps ADD COLUMN term_months INTEGER DEFAULT 12")
    con.execute("UPDATE apps SET term_months = 3 WHERE loan_id IN ('L2', 'L4')")
    add_table(con, "tiny", _tiny_frame().drop(columns="term"))
    ctx = datasets.table_context(con, "tiny")
    saved = model.load_model(con, "levels")
    result = provisions.ecl(con, ctx, portfolio.resolve(con, ctx), SETTINGS, as_of="2024-03-31", saved=saved)
    assert not result.term_assumed and not result.pd_multiple_used
    # L1 (PD 1%, 10 months left) in stage 1; L2 (1%, 1 month left) too; L3 (3%, 10) and L4 (3%, 1) in stage 2
    stage_1 = (1 - 0.99 ** (10 / 12)) * 0.30 * 1000 + (1 - 0.99 ** (1 / 12)) * 0.65 * 2000
    stage_2 = (1 - 0.97 ** (10 / 12)) * 0.5 * 500 + (1 - 0.97 ** (1 / 12)) * 0.55 * 300
    assert result.by_stage["ecl"].tolist() == pytest.approx([stage_1, stage_2, 403.0], rel=1e-7)
