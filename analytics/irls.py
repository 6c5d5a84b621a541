"""An exact row-level logit on millions of loans without a dense design matrix.

The training loans are held as compact numpy arrays: one *cell* per loan (its combination of categorical levels and
WOE bins, coded as an integer) and the numeric factors as float64 columns. Each Newton step needs X'WX and X'(y - p)
only: the blocks between cell terms come from per-cell sums (``np.bincount``), the numeric blocks from one small
matrix product, all accumulated over chunks of rows, so memory stays at the arrays themselves (about 60 bytes a
loan) and the estimates equal statsmodels ``Logit`` on the full rows (same Newton iteration and stopping rule).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from scipy.special import expit

CHUNK = 1 << 20  # rows per accumulation step: bounds the temporaries at a few tens of MB


@dataclasses.dataclass(frozen=True)
class Rows:
    """Training loans for an exact fit. Columns are kept in a *structured* order (the constant, the cell terms,
    then the numeric factors); ``order`` maps it to the model's term order (``params = structured[order]``).

    ``cell_x``: the design row of each cell (constant and cell terms); ``cell``: the cell of each loan;
    ``numbers``: the numeric design columns per loan; ``y``: 0/1 outcome; ``fold``: cross-validation fold.
    ``binary``: per term in the model's order, whether every value is 0 or 1.
    """

    cell_x: np.ndarray
    cell: np.ndarray
    numbers: np.ndarray
    y: np.ndarray
    fold: np.ndarray
    order: np.ndarray
    binary: np.ndarray

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def events(self) -> int:
        return int(self.y.sum())

    def _chunks(self):
        for start in range(0, self.n, CHUNK):
            stop = min(start + CHUNK, self.n)
            yield self.cell[start:stop], self.numbers[start:stop], self.y[start:stop]

    def cross(self, params: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, float]:
        """X'WX, X'r and the log-likelihood at ``params`` (model order), in the model's order. ``None``: the plain
        Gram matrix X'X with X'y (W = 1, r = y) and no likelihood."""
        cells, numeric = self.cell_x.shape[1], self.numbers.shape[1]
        count = len(self.cell_x)
        structured = None if params is None else np.empty(cells + numeric)
        if params is not None:
            structured[self.order] = params
        cell_eta = None if structured is None else self.cell_x @ structured[:cells]
        w_cell = np.zeros(count)
        r_cell = np.zeros(count)
        wx_cell = np.zeros((count, numeric))
        h_num = np.zeros((numeric, numeric))
        g_num = np.zeros(numeric)
        llf = 0.0
        for cell, x, y in self._chunks():
            if structured is None:
                w, r = np.ones(len(y)), y.astype(float)
            else:
                eta = cell_eta[cell] + x @ structured[cells:]
                p = expit(eta)
                w, r = p * (1 - p), y - p
                llf += float(y @ eta - np.logaddexp(0, eta).sum())
            w_cell += np.bincount(cell, w, minlength=count)
            r_cell += np.bincount(cell, r, minlength=count)
            for k in range(numeric):
                wx_cell[:, k] += np.bincount(cell, w * x[:, k], minlength=count)
            h_num += (x * w[:, None]).T @ x
            g_num += x.T @ r
        cx = self.cell_x
        top = np.hstack([(cx * w_cell[:, None]).T @ cx, cx.T @ wx_cell])
        bottom = np.hstack([wx_cell.T @ cx, h_num])
        hessian = np.vstack([top, bottom])
        gradient = np.concatenate([cx.T @ r_cell, g_num])
        return hessian[np.ix_(self.order, self.order)], gradient[self.order], llf

    def gram(self) -> np.ndarray:
        """X'X in the model's order (for the rank check, means, SDs and VIF)."""
        return self.cross(None)[0]

    def fit(
        self, start: np.ndarray | None = None, *, tol: float = 1e-10, max_iterations: int = 100
    ) -> tuple[np.ndarray, np.ndarray, float, bool, int]:
        """The maximum-likelihood fit by ``newton``."""
        return newton(self.cross, len(self.order), start, tol=tol, max_iterations=max_iterations)

    def fit_quality(self, params: np.ndarray) -> tuple[bool, bool]:
        """(every outcome predicted within 1e-6: complete separation, some PD below 1e-8 or above 1 - 1e-8)."""
        cells = self.cell_x.shape[1]
        structured = np.empty(len(params))
        structured[self.order] = params
        cell_eta = self.cell_x @ structured[:cells]
        exact, extreme = True, False
        for cell, x, y in self._chunks():
            p = expit(cell_eta[cell] + x @ structured[cells:])
            exact = exact and bool(np.all(np.abs(p - y) < 1e-6))
            extreme = extreme or bool(np.any((p < 1e-8) | (p > 1 - 1e-8)))
        return exact, extreme

    def design(self, rows: np.ndarray) -> np.ndarray:
        """The dense design (model order) of some loans (e.g. a seeded subset for cross-validation)."""
        structured = np.hstack([self.cell_x[self.cell[rows]], self.numbers[rows]])
        return structured[:, self.order]


def grouped_cross(x: np.ndarray, defaults: np.ndarray, loans: np.ndarray) -> Callable:
    """``cross(params)`` of binomial counts (loans and defaults per row of ``x``, e.g. aggregated cells)."""

    def cross(params: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
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
    converged, iterations. ``cross(params)`` gives (information X'WX, score X'(y - p), log-likelihood)."""
    params = np.zeros(size) if start is None else np.asarray(start, dtype=float).copy()
    converged, iterations = False, 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007  (the count is reported)
        information, score, _ = cross(params)
        try:
            step = np.linalg.solve(information, score)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)):
            break
        params = params + step
        if np.all(np.abs(step) < tol):
            converged = True
            break
    information, _, llf = cross(params)
    try:
        cov = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        cov = np.full((size, size), np.nan)
    return params, cov, llf, converged, iterations
