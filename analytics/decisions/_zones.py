"""Three-way decisions: the model approves the clear good cases, rejects the clear bad ones and leaves the doubtful
ones to the loan officers, and what that does to their workload.

A review band ``[a, b)`` of PDs: the model approves automatically below ``a`` (``auto_approve``), rejects at or
above ``b`` (``auto_reject``) and sends the applications in between to an officer (``review``). Every figure comes
from the scored applications of a comparison (``_compare.Scored``), so the populations are the comparison's:
*applications* have both decisions (a PD and the expert's decision), bad rates are counted on the *evaluated* ones
(a known outcome: booked loans under the actual outcome, every application under the sample's simulated one).

In the review zone the expert's decision stands: the book "following the expert" approves the auto-approve zone and
the review applications the expert approved. The review-share curve keeps ``a`` and moves ``b`` from ``a`` (no
review: the model alone at cutoff ``a``) to 1 (the expert decides everything at or above ``a``).

Workload: today an officer handles every application; the applications per officer per month divide them by the
officer-months (the distinct pairs of officer and application month among the compared applications, so an officer
counts only in the months they worked). With the band, only the review zone is left; the files saved times the
minutes per file, over the working minutes of a day, are the officer-days saved.
"""

from __future__ import annotations

import dataclasses
import math

import duckdb
import numpy as np
import pandas as pd

from analytics import store
from analytics.core import RiskLabError
from analytics.decisions import _compare as compare

ZONES = ("auto_approve", "review", "auto_reject")
REVIEW_CURVE_POINTS = 200  # at most this many points of the review-share curve are kept


@dataclasses.dataclass(frozen=True)
class ReviewBand:
    """The two PD cutoffs: approve below ``approve_below``, reject at or above ``reject_from``, review between."""

    approve_below: float
    reject_from: float

    def __post_init__(self) -> None:
        for value in (self.approve_below, self.reject_from):
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
                raise RiskLabError("zones.bad_cutoff", value=value)
        if self.approve_below > self.reject_from:
            raise RiskLabError("zones.bad_order", a=self.approve_below, b=self.reject_from)


@dataclasses.dataclass(frozen=True)
class Workload:
    """Files per officer per month today and with the band, and the officer time the band saves."""

    officers: int
    months: int
    officer_months: int
    applications: int
    review: int
    per_officer_month_today: float
    per_officer_month_review: float
    files_saved: int
    officer_days_saved: float
    officer_days_saved_per_month: float


@dataclasses.dataclass(frozen=True, eq=False)
class Zones:
    """The three zones of a band: ``table`` (zone, applications, share, evaluated, defaults, bad_rate), the
    expert inside the review zone (``review``) and the book that follows the expert there (``book``)."""

    band: ReviewBand
    table: pd.DataFrame
    review: dict[str, float]
    book: dict[str, float]
    outcome: str

    @property
    def empty(self) -> tuple[str, ...]:
        """The zones that hold no application."""
        return tuple(zone for zone, n in zip(self.table["zone"], self.table["applications"], strict=True) if n == 0)

    def to_json(self) -> dict:
        """Plain JSON (NaN as None): the band, per zone its counts and bad rate, the review zone and the book."""

        def clean(value: float) -> float | int | None:
            if isinstance(value, int | np.integer):
                return int(value)
            return None if math.isnan(value) else float(value)

        zones = {
            row["zone"]: {key: clean(value) for key, value in row.items() if key != "zone"}
            for row in self.table.to_dict("records")
        }
        return {
            "approve_below": self.band.approve_below,
            "reject_from": self.band.reject_from,
            "outcome": self.outcome,
            **zones,
            "review_expert": {key: clean(value) for key, value in self.review.items()},
            "book_following_expert": {key: clean(value) for key, value in self.book.items()},
            "empty": list(self.empty),
        }


def _rate(a: float, b: float) -> float:
    return a / b if b else math.nan


def _zone_index(pd_: np.ndarray, band: ReviewBand) -> np.ndarray:
    return (pd_ >= band.approve_below).astype(np.int64) + (pd_ >= band.reject_from).astype(np.int64)


def zones(scored: compare.Scored, band: ReviewBand) -> Zones:
    """Applications, share, evaluated loans, defaults and bad rate per zone; the expert in the review zone."""
    s = scored
    decided = s.decided
    if not s.n[decided].sum():
        raise RiskLabError("decisions.no_loans")
    pd_, y, reject, n = s.pd[decided], s.y[decided], s.expert_reject[decided], s.n[decided]
    zone = _zone_index(pd_, band)
    known = y >= 0

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(zone[mask], weights=n[mask], minlength=3).round().astype(np.int64)

    applications, evaluated, defaults = count(np.ones_like(known)), count(known), count(y == 1)
    table = pd.DataFrame(
        {
            "zone": list(ZONES),
            "applications": applications,
            "share": applications / applications.sum(),
            "evaluated": evaluated,
            "defaults": defaults,
            "bad_rate": [_rate(d, e) for d, e in zip(defaults, evaluated, strict=True)],
        }
    )
    in_review = zone == 1
    approved, rejected = in_review & (reject == 0), in_review & (reject == 1)
    sums = {
        "approved": n[approved].sum(),
        "approved_evaluated": n[approved & known].sum(),
        "approved_defaults": n[approved & (y == 1)].sum(),
        "rejected_evaluated": n[rejected & known].sum(),
        "rejected_defaults": n[rejected & (y == 1)].sum(),
    }
    review = {
        "applications": int(applications[1]),
        "expert_approved": int(sums["approved"]),
        "expert_approval_rate": float(_rate(sums["approved"], applications[1])),
        "bad_rate_expert_approved": float(_rate(sums["approved_defaults"], sums["approved_evaluated"])),
        "bad_rate_expert_rejected": float(_rate(sums["rejected_defaults"], sums["rejected_evaluated"])),
    }
    book_approved = applications[0] + sums["approved"]
    book_evaluated = evaluated[0] + sums["approved_evaluated"]
    book_defaults = defaults[0] + sums["approved_defaults"]
    book = {
        "approved": int(book_approved),
        "approval_rate": float(_rate(book_approved, applications.sum())),
        "evaluated": int(book_evaluated),
        "defaults": int(book_defaults),
        "bad_rate_approved": float(_rate(book_defaults, book_evaluated)),
    }
    return Zones(band, table, review, book, s.outcome)


def review_curve(scored: compare.Scored, approve_below: float, max_points: int = REVIEW_CURVE_POINTS) -> pd.DataFrame:
    """The book's approval rate and bad rate of approved for each review share, with ``approve_below`` fixed.

    Each point is a reject-from cutoff ``b`` (a PD at or above ``approve_below``, up to 1): the review zone holds
    the applications with ``approve_below <= pd < b`` and the expert decides them; the point at review share 0
    is the model alone at cutoff ``approve_below``.
    """
    ReviewBand(approve_below, approve_below)  # the cutoff is a PD in (0, 1)
    s = scored
    decided = s.decided
    if not s.n[decided].sum():
        raise RiskLabError("decisions.no_loans")
    pd_, y, reject, n = s.pd[decided], s.y[decided], s.expert_reject[decided], s.n[decided]
    total = n.sum()
    auto = pd_ < approve_below
    known = y >= 0
    base_approved, base_evaluated = n[auto].sum(), n[auto & known].sum()
    base_defaults = n[auto & (y == 1)].sum()
    rest = pd.DataFrame(
        {
            "pd": pd_[~auto],
            "review": n[~auto],
            "approved": n[~auto] * (reject[~auto] == 0),
            "evaluated": n[~auto] * ((reject[~auto] == 0) & known[~auto]),
            "defaults": n[~auto] * ((reject[~auto] == 0) & (y[~auto] == 1)),
        }
    )
    steps = rest.groupby("pd", sort=True).sum().cumsum()  # the review zone up to and including each PD
    upper = np.append(steps.index.to_numpy()[1:], 1.0)  # the next PD: the b that first leaves it out
    curve = pd.DataFrame(
        {
            "reject_from": np.concatenate([[approve_below], upper]),
            "review_share": np.concatenate([[0], steps["review"].to_numpy()]) / total,
            "approval_rate": (base_approved + np.concatenate([[0], steps["approved"].to_numpy()])) / total,
            "evaluated": base_evaluated + np.concatenate([[0], steps["evaluated"].to_numpy()]),
            "defaults": base_defaults + np.concatenate([[0], steps["defaults"].to_numpy()]),
        }
    )
    curve["bad_rate_approved"] = curve["defaults"] / curve["evaluated"].where(curve["evaluated"] > 0)
    if len(curve) > max_points:
        keep = np.unique(np.round(np.linspace(0, len(curve) - 1, max_points)).astype(int))
        curve = curve.iloc[keep]
    return curve.drop(columns=["evaluated", "defaults"]).reset_index(drop=True)


def officer_months(con: duckdb.DuckDBPyConnection, setup: compare.Setup) -> dict[str, int]:
    """Officers, application months and officer-months (distinct officer and month pairs) of the compared
    applications; needs the officer and origination-date roles."""
    ctx = setup.context
    date = ctx.column_with_role("origination_date")
    for role, column in (("officer", ctx.column_with_role("officer")), ("origination_date", date)):
        if column is None:
            raise RiskLabError("zones.no_role", role=role)
    sql, params = compare.base_sql(con, setup, (date,))
    month = f"date_trunc('month', TRY_CAST({store.quote_ident('f_' + date)} AS DATE))"
    rows = f"SELECT officer, {month} AS month FROM ({sql}) WHERE {compare._DECIDED}"
    officers, months, pairs = con.execute(
        f"SELECT count(DISTINCT officer), count(DISTINCT month), count(DISTINCT officer || '|' || month) FROM ({rows})",
        params,
    ).fetchall()[0]
    return {"officers": int(officers), "months": int(months), "officer_months": int(pairs)}


def workload(
    found: Zones, staff: dict[str, int], minutes_per_file: float = 60.0, minutes_per_day: float = 480.0
) -> Workload:
    """Applications per officer per month today (all of them) and with the band (the review zone), and the
    officer-days the files no longer reviewed save at ``minutes_per_file`` and ``minutes_per_day`` of work."""
    for name, value in (("minutes_per_file", minutes_per_file), ("minutes_per_day", minutes_per_day)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
            raise RiskLabError("zones.bad_minutes", name=name, value=value)
    if not staff["officer_months"]:
        raise RiskLabError("zones.no_officer_months")
    applications = int(found.table["applications"].sum())
    review = int(found.table["applications"].iloc[1])
    saved_files = applications - review
    days = saved_files * minutes_per_file / minutes_per_day
    return Workload(
        staff["officers"],
        staff["months"],
        staff["officer_months"],
        applications,
        review,
        applications / staff["officer_months"],
        review / staff["officer_months"],
        saved_files,
        days,
        _rate(days, staff["months"]),
    )
