"""Classical cluster reconstruction: the baselines the networks must beat.

Energy is the calibrated sum of all deposits in the window. Position is the
barycenter of the 3 x 3 cells around the seed, which a narrow shower pulls
towards the seed cell's centre (the "S-shape"), corrected with the classical
curve ``x = b asinh((2 x_b / c) sinh(c / 2b))`` whose width ``b`` is fitted on
training data for each cell size ``c``. Quality is measured as in Boldyrev et
al. (2025): RMSE(E)/E for energy, RMSE(x) and RMSE(y) for position, overall and
in energy bins; :func:`fit_resolution` fits ``sigma/E = a/sqrt(E) (+) b (+) c/E``.

References
----------
A. Boldyrev, F. Ratnikov, A. Shevelev, "Approach to Finding a Robust Deep Learning
Model", IEEE Access (2025), doi:10.1109/ACCESS.2025.3578926.
LHCb Collaboration, "LHCb calorimeters: Technical Design Report", CERN-LHCC-2000-036.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import numpy.typing as npt
from scipy.optimize import curve_fit

from robustsel.tasks.ecal.simulate import Dataset

Array = npt.NDArray[np.float64]

ENERGY_BINS: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
"""Default energy bin edges (GeV) of the binned metrics."""


def deposit_sum(inputs: npt.ArrayLike) -> Array:
    """Sum of each window's deposits, GeV, from inputs ``(N, 1, W, W)``."""
    return np.asarray(inputs, dtype=np.float64).sum(axis=(1, 2, 3))


class SumCalibration:
    """Energy as a linear calibration of the deposit sum: ``E = slope * S + offset``.

    The line is fitted by weighted least squares with variances proportional to
    E, the sampling term's law, so high energies fix the slope and low energies
    the offset. (Minimizing RMSE(E)/E itself would shrink the slope when
    background is present and bias high energies.)

    Attributes
    ----------
    slope_, offset_ : float
        The fitted calibration (offset in GeV; it absorbs the mean background).

    Examples
    --------
    >>> from robustsel.tasks.ecal import simulate
    >>> train, test = simulate(2000, seed=0), simulate(500, seed=1)
    >>> calibration = SumCalibration().fit(train.inputs, train.energy)
    >>> relative = (calibration.predict(test.inputs) - test.energy) / test.energy
    >>> bool(abs(calibration.slope_ - 1) < 0.05), bool(np.sqrt(np.mean(relative**2)) < 0.1)
    (True, True)
    """

    def fit(self, inputs: npt.ArrayLike, energy: npt.ArrayLike) -> Self:
        """Fit the calibration on windows and their true energies."""
        total, truth = deposit_sum(inputs), np.asarray(energy, dtype=np.float64)
        weight = 1 / np.sqrt(truth)
        design = np.column_stack([total, np.ones_like(total)]) * weight[:, None]
        (self.slope_, self.offset_), *_ = np.linalg.lstsq(design, truth * weight)
        return self

    def predict(self, inputs: npt.ArrayLike) -> Array:
        """Calibrated energies, GeV."""
        return float(self.slope_) * deposit_sum(inputs) + float(self.offset_)


def barycenter(
    inputs: npt.ArrayLike, cell_size: npt.ArrayLike, *, size: int = 3
) -> tuple[Array, Array]:
    """Energy-weighted centre of the ``size x size`` cells around the seed cell.

    Parameters
    ----------
    inputs : array_like, shape (N, 1, W, W)
        Windows of deposits, seed cell in the middle.
    cell_size : array_like, shape (N,) or scalar
        Cell side, cm.
    size : int, default=3
        Side of the block of cells used (odd, at most W).

    Returns
    -------
    x, y : ndarray, shape (N,)
        Barycenter relative to the seed cell's centre, cm; 0 where the block's
        sum is not positive.

    Examples
    --------
    >>> window = np.zeros((1, 1, 5, 5)); window[0, 0, 2, 2:4] = 1.0
    >>> barycenter(window, 4.0)
    (array([2.]), array([0.]))
    """
    data = np.asarray(inputs, dtype=np.float64)
    w = data.shape[-1]
    if size < 1 or size % 2 == 0 or size > w:
        raise ValueError(f"size must be odd and in [1, {w}]; got {size}.")
    lo = (w - size) // 2
    block = data[:, 0, lo : lo + size, lo : lo + size]
    total = block.sum(axis=(1, 2))
    offsets = np.arange(size) - size // 2
    safe = np.where(total > 0, total, 1.0)
    cell = np.broadcast_to(np.asarray(cell_size, dtype=np.float64), total.shape)
    x = cell * (block.sum(axis=1) @ offsets) / safe
    y = cell * (block.sum(axis=2) @ offsets) / safe
    return np.where(total > 0, x, 0.0), np.where(total > 0, y, 0.0)


def s_curve(position: npt.ArrayLike, cell_size: npt.ArrayLike, width: npt.ArrayLike) -> Array:
    """The S-shape correction ``b asinh((2 x_b / c) sinh(c / 2b))`` of a barycenter.

    It maps a barycenter ``x_b`` at the cell's edge ``c/2`` to itself and is
    exact for a shower with exponential lateral tails of slope ``b`` (cm).

    Examples
    --------
    >>> s_curve([0.0, 2.0, -2.0], 4.0, 1.0)
    array([ 0.,  2., -2.])
    """
    half = np.asarray(cell_size, dtype=np.float64) / 2
    b = np.asarray(width, dtype=np.float64)
    return b * np.arcsinh(np.asarray(position, dtype=np.float64) / half * np.sinh(half / b))


class BarycenterCorrection:
    """Barycenter position with the S-shape correction fitted on training data.

    Parameters
    ----------
    size : int, default=3
        Side of the block of cells of the barycenter.

    Attributes
    ----------
    widths_ : dict of float to float
        The fitted width ``b`` (cm) of :func:`s_curve` for each cell size (cm),
        one fit over x and y together.

    Examples
    --------
    >>> from robustsel.tasks.ecal import simulate
    >>> train, test = simulate(2000, seed=0), simulate(500, seed=1)
    >>> corrector = BarycenterCorrection().fit(train)
    >>> x, y = corrector.predict(test)
    >>> x_raw, _ = barycenter(test.inputs, test.cell_size)
    >>> bool(np.mean((x - test.x) ** 2) < np.mean((x_raw - test.x) ** 2))
    True
    """

    def __init__(self, *, size: int = 3) -> None:
        self.size = size

    def fit(self, data: Dataset) -> Self:
        """Fit the S-curve width of every cell size present in ``data``."""
        x, y = barycenter(data.inputs, data.cell_size, size=self.size)
        self.widths_: dict[float, float] = {}
        for cell in np.unique(data.cell_size):
            mine = data.cell_size == cell
            measured = np.concatenate([x[mine], y[mine]])
            true = np.concatenate([data.x[mine], data.y[mine]]).astype(np.float64)
            c = float(cell)
            (width,), _ = curve_fit(
                lambda xb, b, c=c: s_curve(xb, c, b),
                measured,
                true,
                p0=[c / 4],
                bounds=(c / 1000, 10 * c),
            )
            self.widths_[c] = float(width)
        return self

    def predict(self, data: Dataset) -> tuple[Array, Array]:
        """Corrected positions ``x, y`` (cm, relative to the seed cell's centre).

        Raises
        ------
        ValueError
            When ``data`` has a cell size the correction was not fitted on.
        """
        unknown = set(np.unique(data.cell_size).tolist()) - set(self.widths_)
        if unknown:
            raise ValueError(
                f"no S-curve fitted for cell size {sorted(unknown)} cm; fit on data of that region."
            )
        width = np.vectorize(self.widths_.__getitem__, otypes=[float])(data.cell_size)
        x, y = barycenter(data.inputs, data.cell_size, size=self.size)
        return s_curve(x, data.cell_size, width), s_curve(y, data.cell_size, width)


class Baseline:
    """The classical reconstruction: calibrated sum and corrected barycenter.

    Examples
    --------
    >>> from robustsel.tasks.ecal import simulate
    >>> baseline = Baseline().fit(simulate(2000, seed=0))
    >>> baseline.predict(simulate(10, seed=1)).shape
    (10, 3)
    """

    def __init__(self, *, size: int = 3) -> None:
        self.size = size

    def fit(self, data: Dataset) -> Self:
        """Fit the energy calibration and the S-curves on training data."""
        self.energy_ = SumCalibration().fit(data.inputs, data.energy)
        self.position_ = BarycenterCorrection(size=self.size).fit(data)
        return self

    def predict(self, data: Dataset) -> Array:
        """Predictions ``(N, 3)``: energy (GeV), x and y (cm), as the targets."""
        x, y = self.position_.predict(data)
        return np.column_stack([self.energy_.predict(data.inputs), x, y])


@dataclass(frozen=True)
class Metrics:
    """Reconstruction quality overall and per energy bin.

    Attributes
    ----------
    rmse_e_over_e : float
        ``sqrt(mean(((E' - E) / E)^2))``, the paper's energy metric.
    rmse_x, rmse_y : float
        Root mean square position errors, cm.
    bin_edges : ndarray, shape (B + 1,)
        Energy bin edges (true energy), GeV.
    count, mean_energy, bin_rmse_e_over_e, bin_rmse_x, bin_rmse_y : ndarray, shape (B,)
        Samples, mean true energy and the three metrics in each bin (NaN when empty).
    """

    rmse_e_over_e: float
    rmse_x: float
    rmse_y: float
    bin_edges: Array
    count: npt.NDArray[np.int64]
    mean_energy: Array
    bin_rmse_e_over_e: Array
    bin_rmse_x: Array
    bin_rmse_y: Array

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and floats, ready for JSON."""
        return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in vars(self).items()}


def reconstruction_metrics(
    targets: npt.ArrayLike,
    predictions: npt.ArrayLike,
    *,
    energy_bins: Sequence[float] = ENERGY_BINS,
) -> Metrics:
    """RMSE(E)/E, RMSE(x), RMSE(y), overall and in bins of true energy.

    Parameters
    ----------
    targets, predictions : array_like, shape (N, 3)
        Columns energy, x, y (as :attr:`Dataset.targets`).
    energy_bins : sequence of float
        Increasing bin edges, GeV; samples outside them count only overall.

    Examples
    --------
    >>> truth = np.array([[10.0, 0.0, 0.0], [40.0, 1.0, -1.0]])
    >>> guess = np.array([[11.0, 0.5, 0.0], [40.0, 1.0, -1.0]])
    >>> m = reconstruction_metrics(truth, guess, energy_bins=[1, 20, 100])
    >>> round(m.rmse_e_over_e, 4), m.count.tolist(), m.bin_rmse_x.tolist()
    (0.0707, [1, 1], [0.5, 0.0])
    """
    truth, guess = np.asarray(targets, np.float64), np.asarray(predictions, np.float64)
    if truth.ndim != 2 or truth.shape[1] != 3 or guess.shape != truth.shape:
        raise ValueError(
            f"targets and predictions must have shape (N, 3); got {truth.shape}, {guess.shape}."
        )
    edges = np.asarray(energy_bins, dtype=np.float64)
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"energy_bins must be increasing edges; got {edges.tolist()}.")
    energy = truth[:, 0]
    errors = np.column_stack([(guess[:, 0] - energy) / energy, guess[:, 1:] - truth[:, 1:]])
    which = np.digitize(energy, edges) - 1
    count = np.bincount(which[(which >= 0) & (which < len(edges) - 1)], minlength=len(edges) - 1)
    binned = np.full((len(edges) - 1, 3), np.nan)
    mean_energy = np.full(len(edges) - 1, np.nan)
    for b in np.flatnonzero(count):
        binned[b] = np.sqrt(np.mean(errors[which == b] ** 2, axis=0))
        mean_energy[b] = energy[which == b].mean()
    overall = np.sqrt(np.mean(errors**2, axis=0))
    return Metrics(
        float(overall[0]),
        float(overall[1]),
        float(overall[2]),
        edges,
        count,
        mean_energy,
        binned[:, 0],
        binned[:, 1],
        binned[:, 2],
    )


def resolution(
    energy: npt.ArrayLike, *, stochastic: float, constant: float, noise: float = 0.0
) -> Array:
    """Relative resolution ``sqrt((a/sqrt(E))^2 + b^2 + (c/E)^2)`` at ``energy`` (GeV).

    Examples
    --------
    >>> resolution([1.0, 100.0], stochastic=0.1, constant=0.01).round(4)
    array([0.1005, 0.0141])
    """
    e = np.asarray(energy, dtype=np.float64)
    return np.sqrt(stochastic**2 / e + constant**2 + noise**2 / e**2)


@dataclass(frozen=True)
class ResolutionFit:
    """The fitted terms of ``sigma/E = a/sqrt(E) (+) b (+) c/E``.

    Attributes
    ----------
    stochastic, constant, noise : float
        a (GeV^1/2), b, and c (GeV; 0 when not fitted).
    errors : tuple of float
        Their standard errors from the fit's covariance.
    """

    stochastic: float
    constant: float
    noise: float
    errors: tuple[float, ...]


def fit_resolution(
    energy: npt.ArrayLike,
    relative_rmse: npt.ArrayLike,
    *,
    count: npt.ArrayLike | None = None,
    noise_term: bool = True,
) -> ResolutionFit:
    """Fit ``sigma/E = a/sqrt(E) (+) b (+) c/E`` to binned relative resolutions.

    Parameters
    ----------
    energy, relative_rmse : array_like, shape (B,)
        Mean energy (GeV) and RMSE(E)/E of each bin, e.g. from
        :func:`reconstruction_metrics`; NaN bins are skipped.
    count : array_like or None
        Samples per bin: weighs each bin by the standard error of an RMS,
        ``rmse / sqrt(2 count)``. None weighs the bins by ``rmse``.
    noise_term : bool, default=True
        Fit the noise term c; False fixes it at 0.

    Examples
    --------
    >>> e = np.geomspace(1, 100, 8)
    >>> fit = fit_resolution(e, resolution(e, stochastic=0.1, constant=0.01, noise=0.03))
    >>> round(fit.stochastic, 3), round(fit.constant, 3), round(fit.noise, 3)
    (0.1, 0.01, 0.03)
    """
    e, rmse = np.asarray(energy, np.float64), np.asarray(relative_rmse, np.float64)
    n = np.ones_like(e) / 2 if count is None else np.asarray(count, np.float64)
    keep = np.isfinite(e) & np.isfinite(rmse) & (n > 0)
    n_terms = 3 if noise_term else 2
    if keep.sum() <= n_terms:
        raise ValueError(
            f"fit_resolution needs more than {n_terms} non-empty bins; got {int(keep.sum())}."
        )
    e, rmse, sigma = e[keep], rmse[keep], rmse[keep] / np.sqrt(2 * n[keep])

    def model(x: Array, a: float, b: float, c: float = 0.0) -> Array:
        return resolution(x, stochastic=a, constant=b, noise=c)

    start = [0.1, 0.01, 0.01][:n_terms]
    values, covariance = curve_fit(model, e, rmse, p0=start, sigma=sigma, bounds=(0, np.inf))
    errors = tuple(float(v) for v in np.sqrt(np.diag(covariance)))
    noise = float(values[2]) if noise_term else 0.0
    return ResolutionFit(float(values[0]), float(values[1]), noise, errors)
