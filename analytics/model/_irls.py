"""An exact row-level logit on millions of loans without a dense design matrix.

The training loans are held as compact numpy arrays: one *cell* per loan (its combination of categorical levels and
WOE bins, coded as an integer) and the numeric factors as float64 columns. Each Newton step needs X'WX and X'(y - p)
only: the blocks between cell terms come from per-cell sums (``np.bincount``), the numeric blocks from one small
matrix product, all accumulated over steps of rows small enough to stay in the processor's cache, so memory stays
at the arrays themselves (about 60 bytes a loan) and the estimates equal statsmodels ``Logit`` on the full rows
(same Newton iteration and stopping rule). The solves are tiny: callers limit BLAS to one thread (its worker
threads only spin and contend for the cores, measured at twice the CPU time of a fit).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
from scipy.special import expit

CHUNK = 1 << 14  # rows per step of a pass: the temporaries of a step stay in the processor's cache


WARM_ROWS = 250_000  # a strided subset of about this many loans gives the Newton start on big tables


@dataclasses.dataclass(frozen=True)
class Rows:
    """Training loans for an exact fit. Columns are kept in a *structured* order (the constant, the cell terms,
    then the numeric factors); ``order`` maps it to the model's term order (``params = structured[order]``).

    ``cell_x``: the design row of each cell (constant and cell terms); ``cell``: the cell of each loan;
    ``numbers``: the numeric design columns, one row per column (each contiguous); ``y``: 0/1 outcome;
    ``fold``: cross-validation fold. ``binary``: per term in the model's order, whether every value is 0 or 1.
    """

    cell_x: np.ndarray
    cell: np.ndarray
    numbers: np.ndarray
    y: np.ndarray
    fold: np.ndarray
    order: np.ndarray
    binary: np.ndarray
    last: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)  # the last likelihood pass

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def events(self) -> int:
        return int(self.y.sum())

    def _chunks(self):
        for start in range(0, self.n, CHUNK):
            stop = min(start + CHUNK, self.n)
            yield self.cell[start:stop], self.numbers[:, start:stop], self.y[start:stop]

    def _structured(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(log-odds of each cell without the numbers, coefficients of the numbers) from model-order params."""
        structured = np.empty(len(self.order))
        structured[self.order] = params
        cells = self.cell_x.shape[1]
        return self.cell_x @ structured[:cells], structured[cells:]

    def cross(self, params: np.ndarray | None, likelihood: bool = True) -> tuple[np.ndarray, np.ndarray, float]:
        """X'WX, X'(y - p) and the log-likelihood (NaN unless ``likelihood``) at ``params``, in the model's order.
        ``None``: the plain Gram matrix X'X with X'y (W = 1).

        One pass over the loans in steps of ``CHUNK`` rows: per step the log-odds, weights and residuals, their
        sums per cell (``np.bincount``) and the small products of the numeric columns."""
        numeric, count = len(self.numbers), len(self.cell_x)
        cell_eta, beta = (None, None) if params is None else self._structured(params)
        w_cell, r_cell = np.zeros(count), np.zeros(count)
        wx_cell = np.zeros((numeric, count))
        h_num, g_num = np.zeros((numeric, numeric)), np.zeros(numeric)
        llf = 0.0 if likelihood and params is not None else math.nan
        exact, extreme = True, False
        for cell, x, y in self._chunks():
            if params is None:
                w_cell += np.bincount(cell, minlength=count)
                r_cell += np.bincount(cell, y, minlength=count)
                wx = x
            else:
                eta = cell_eta.take(cell)
                eta += beta @ x
                p = expit(eta)
                r = y - p
                w = p * (1 - p)
                if likelihood:  # log(1 + e^eta) = max(eta, 0) + log1p(e^-|eta|): stable for any eta
                    llf += float(y @ eta - (np.maximum(eta, 0) + np.log1p(np.exp(-np.abs(eta)))).sum())
                    exact = exact and bool(np.all(np.abs(r) < 1e-6))
                    extreme = extreme or bool(np.any((p < 1e-8) | (p > 1 - 1e-8)))
                w_cell += np.bincount(cell, w, minlength=count)
                r_cell += np.bincount(cell, r, minlength=count)
                wx = x * w
                y = r
            for k in range(numeric):
                wx_cell[k] += np.bincount(cell, wx[k], minlength=count)
            h_num += wx @ x.T
            g_num += x @ y
        if likelihood and params is not None:
            self.last["quality"] = (exact, extreme)
        cx = self.cell_x
        top = np.hstack([(cx * w_cell[:, None]).T @ cx, cx.T @ wx_cell.T])
        bottom = np.hstack([wx_cell @ cx, h_num])
        hessian = np.vstack([top, bottom])
        gradient = np.concatenate([cx.T @ r_cell, g_num])
        return hessian[np.ix_(self.order, self.order)], gradient[self.order], llf

    def gram(self) -> np.ndarray:
        """X'X in the model's order (for the rank check, means, SDs and VIF)."""
        return self.cross(None)[0]

    def in_cell_order(self) -> np.ndarray:
        """The loans' positions ordered by cell (a stable sort): the order in which earlier versions held them,
        so a subset picked by position (cross-validation) is the same loans as then."""
        keys = self.cell.astype(np.uint16) if len(self.cell_x) <= np.iinfo(np.uint16).max else self.cell
        return np.argsort(keys, kind="stable")  # a radix sort for 16-bit keys

    def every(self, step: int) -> Rows:
        """Every ``step``-th loan (a cheap deterministic subset)."""
        pick = slice(None, None, step)
        numbers = np.ascontiguousarray(self.numbers[:, pick])
        return dataclasses.replace(
            self,
            cell=self.cell[pick].copy(),
            numbers=numbers,
            y=self.y[pick].copy(),
            last={},
            fold=self.fold[pick].copy(),
        )

    def fit(
        self, start: np.ndarray | None = None, *, tol: float = 1e-10, max_iterations: int = 100
    ) -> tuple[np.ndarray, np.ndarray, float, bool, int]:
        """The maximum-likelihood fit by ``newton``. On a big table the start is the estimate on a strided subset
        of about ``WARM_ROWS`` loans, so only the last few (quadratically converging) steps pass over all loans;
        the iterations reported are those over all loans."""
        step = self.n // WARM_ROWS
        if start is None and step >= 2:
            warm = newton(self.every(step).cross, len(self.order), tol=1e-6, max_iterations=max_iterations)
            if warm[3] and np.all(np.isfinite(warm[0])):
                start = warm[0]
        return newton(self.cross, len(self.order), start, tol=tol, max_iterations=max_iterations)

    def quality(self) -> tuple[bool, bool]:
        """At the estimate (the last pass with the likelihood): (every outcome predicted within 1e-6, i.e.
        complete separation; some PD below 1e-8 or above 1 - 1e-8)."""
        return self.last["quality"]

    def design(self, rows: np.ndarray) -> np.ndarray:
        """The dense design (model order) of some loans (e.g. a seeded subset for cross-validation)."""
        structured = np.hstack([self.cell_x[self.cell[rows]], self.numbers[:, rows].T])
        return structured[:, self.order]


def grouped_cross(x: np.ndarray, defaults: np.ndarray, loans: np.ndarray) -> Callable:
    """``cross(params)`` of binomial counts (loans and defaults per row of ``x``, e.g. aggregated cells)."""

    def cross(params: np.ndarray, likelihood: bool = True) -> tuple[np.ndarray, np.ndarray, float]:
        eta = x @ params
        p = expit(eta)
        information = (x * (loans * p * (1 - p))[:, None]).T @ x
        llf = float(defaults @ eta - loans @ np.logaddexp(0, eta))
        return information, x.T @ (defaults - loans * p), llf

    return cross


def newton(
    cross: Callable, size: int, start: np.ndarray | None = None, *, tol: float = 1e-10, max_iterations: int = 100
) -> tuple[np.ndarray, np.ndarray, float, bool, int]:
    """Newton's method as statsmodels runs it (step = information^-1 score, stop when every step is below ``tol``):
    params, covariance (the inverse information at the estimate), log-likelihood (without binomial coefficients),
    converged, iterations. ``cross(params)`` gives (information X'WX, score X'(y - p), log-likelihood). On
    convergence the covariance and likelihood are those of the last pass, a step of less than ``tol`` before the
    estimate (the likelihood is flat there: its change is of the order of the step squared)."""
    params = np.zeros(size) if start is None else np.asarray(start, dtype=float).copy()
    converged, iterations, near = False, 0, False
    for iterations in range(1, max_iterations + 1):  # noqa: B007  (the count is reported)
        information, score, llf = cross(params, near)  # the likelihood only once close: it costs a pass of logs
        try:
            step = np.linalg.solve(information, score)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)):
            break
        params = params + step
        if np.all(np.abs(step) < tol):
            converged = True  # the information and likelihood at params - step: closer than tol, no extra pass
            break
        near = bool(np.all(np.abs(step) < 1e-3))
    if not converged or math.isnan(llf):
        information, _, llf = cross(params, True)
    try:
        cov = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        cov = np.full((size, size), np.nan)
    return params, cov, llf, converged, iterations
