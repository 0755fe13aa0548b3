"""Fast simulation of single-photon clusters in an LHCb-like electromagnetic calorimeter.

The calorimeter is modelled on the LHCb ECAL (evaluation 2 of Boldyrev et al.,
2025): a shashlik wall whose inner, middle and outer regions have square cells of
4, 6 and 12 cm. One sample is a photon hitting a uniformly random point of a cell
(the *seed cell*) and the square window of cells around it.

The shower is a sum of equal-energy *spots* placed along the photon's path at the
quantiles of a gamma longitudinal profile, so an inclined photon's shower is
shifted and stretched along its azimuth. Each spot spreads over the cells with a
lateral profile of two Gaussian components (core and tail) whose widths are
multiples of the Moliere radius; the Gaussians make the integral over a cell an
exact product of two differences of normal CDFs. Each cell then fluctuates with
the sampling (stochastic) term, the whole cluster with the constant term, and
every cell gets electronic noise, so the deposit sum has the resolution
``sigma/E = a/sqrt(E) (+) b (+) c/E`` with ``c`` the summed noise.

Dataset A is the photon alone; dataset B adds pile-up: a Poisson number of soft
photon showers anywhere in the window and of single-cell hits (charged tracks).

Everything is vectorized NumPy over chunks of clusters, each chunk with its own
random stream spawned from the seed, so a seed always gives the same arrays.

References
----------
A. Boldyrev, F. Ratnikov, A. Shevelev, "Approach to Finding a Robust Deep Learning
Model", IEEE Access (2025), doi:10.1109/ACCESS.2025.3578926.
LHCb Collaboration, "LHCb calorimeters: Technical Design Report", CERN-LHCC-2000-036.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import gammaincinv, ndtr

Array = npt.NDArray[np.float64]
Array32 = npt.NDArray[np.float32]

DATASETS = ("A", "B")
SPECTRA = ("falling", "flat")
TARGETS = ("energy", "x", "y")
CHUNK = 8192
"""Clusters generated per random stream; fixed so that a seed fixes the arrays."""

SCALE_ENERGY = 0.0212
"""The scale energy E_s (GeV) relating the Moliere radius to the radiation length."""
LONGITUDINAL_SLOPE = 0.5
"""The gamma profile's b parameter (per radiation length), PDG "Passage of particles"."""


@dataclass(frozen=True)
class Region:
    """A calorimeter region: its cell size and the photons' polar angles there.

    Parameters
    ----------
    name : str
        ``inner``, ``middle`` or ``outer``.
    cell_size : float
        Side of a square cell, cm.
    angle_range : tuple of float
        Polar angles (rad) of photons from the interaction point that reach the
        region, the ECAL being 12.5 m downstream.
    """

    name: str
    cell_size: float
    angle_range: tuple[float, float]


REGIONS: dict[str, Region] = {
    "inner": Region("inner", 4.0, (0.025, 0.08)),
    "middle": Region("middle", 6.0, (0.06, 0.16)),
    "outer": Region("outer", 12.0, (0.12, 0.30)),
}
"""The three LHCb ECAL regions; ``region="mixed"`` draws one per sample, equally likely."""


@dataclass(frozen=True)
class Calorimeter:
    """Detector and shower constants of the simulation (defaults: LHCb ECAL).

    Parameters
    ----------
    moliere_radius : float, default=3.5
        Moliere radius R_M, cm.
    radiation_length : float, default=1.7
        Radiation length X_0, cm (25 X_0 in a 42 cm module).
    core_fraction : float, default=0.85
        Share of the energy in the narrow lateral component.
    core_width, tail_width : float, default=0.25, 1.0
        Standard deviations of the core and tail Gaussians, in units of R_M
        (with the defaults about 90% of the energy lies within R_M).
    reference_depth : float, default=16.0
        Depth (cm) of the plane in which the targets x, y are given: where the
        photon's path crosses it. The default is the mean shower depth of a
        10 GeV photon (LHCb reconstructs cluster positions near the shower
        maximum); 0 gives the impact point on the front face.
    depth_spots : int, default=4
        Spots per photon shower along its path; 1 puts the whole shower at its
        mean depth (no elongation).
    stochastic : float, default=0.10
        Sampling term a of ``sigma/E = a/sqrt(E)``, GeV^1/2; each cell's deposit
        e gets a Gaussian fluctuation of standard deviation ``a*sqrt(e)``.
    constant : float, default=0.01
        Constant term b: the relative spread of a per-cluster gain.
    noise : float, default=0.0025
        Electronic noise per cell, GeV (about one ADC count of the LHCb ECAL).
    pileup_showers, pileup_hits : float, default=2.0, 4.0
        Mean numbers of soft photon showers and of single-cell hits per window
        in dataset B at background intensity 1.
    pileup_energy_range : tuple of float, default=(0.1, 5.0)
        Energies (GeV) of the soft showers, drawn from a 1/E^2 spectrum.
    hit_energy : float, default=0.3
        Mean energy (GeV) of a single-cell hit, exponentially distributed.
    """

    moliere_radius: float = 3.5
    radiation_length: float = 1.7
    core_fraction: float = 0.85
    core_width: float = 0.25
    tail_width: float = 1.0
    reference_depth: float = 16.0
    depth_spots: int = 4
    stochastic: float = 0.10
    constant: float = 0.01
    noise: float = 0.0025
    pileup_showers: float = 2.0
    pileup_hits: float = 4.0
    pileup_energy_range: tuple[float, float] = (0.1, 5.0)
    hit_energy: float = 0.3

    def __post_init__(self) -> None:
        for name in ("moliere_radius", "radiation_length", "core_width", "tail_width"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0; got {getattr(self, name)}.")
        nonnegative = ("reference_depth", "stochastic", "constant", "noise")
        for name in (*nonnegative, "pileup_showers", "pileup_hits"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0; got {getattr(self, name)}.")
        if not 0 <= self.core_fraction <= 1:
            raise ValueError(f"core_fraction must be in [0, 1]; got {self.core_fraction}.")
        if self.depth_spots < 1:
            raise ValueError(f"depth_spots must be >= 1; got {self.depth_spots}.")
        if not self.hit_energy > 0:
            raise ValueError(f"hit_energy must be > 0; got {self.hit_energy}.")
        check_range("pileup_energy_range", self.pileup_energy_range)

    @property
    def critical_energy(self) -> float:
        """Critical energy E_c = E_s X_0 / R_M, GeV (about 10 MeV by default)."""
        return SCALE_ENERGY * self.radiation_length / self.moliere_radius


@dataclass(frozen=True)
class Dataset:
    """Simulated clusters: calorimeter windows and the photons that made them.

    Parameters
    ----------
    inputs : ndarray of float32, shape (N, 1, W, W)
        Cell deposits in GeV; ``inputs[n, 0, i, j]`` is the cell in row ``i``
        (y grows with ``i``) and column ``j`` (x grows with ``j``); the seed
        cell is ``[W // 2, W // 2]``.
    targets : ndarray of float32, shape (N, 3)
        Columns ``energy`` (GeV), ``x`` and ``y`` (cm, the impact point on the
        front face relative to the seed cell's centre).
    cell_size : ndarray of float32, shape (N,)
        Cell side of the sample's region, cm.
    theta : ndarray of float32, shape (N,)
        Polar angle of the photon, rad.
    settings : dict
        The simulation's arguments, for provenance.
    """

    inputs: Array32
    targets: Array32
    cell_size: Array32
    theta: Array32
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.targets)

    @property
    def energy(self) -> Array32:
        """Photon energies, GeV."""
        return self.targets[:, 0]

    @property
    def x(self) -> Array32:
        """Impact x relative to the seed cell's centre, cm."""
        return self.targets[:, 1]

    @property
    def y(self) -> Array32:
        """Impact y relative to the seed cell's centre, cm."""
        return self.targets[:, 2]

    def subset(self, index: npt.ArrayLike) -> Dataset:
        """The samples selected by ``index`` (a slice, indices or a boolean mask)."""
        where = index if isinstance(index, slice) else np.asarray(index)
        return replace(
            self,
            inputs=self.inputs[where],
            targets=self.targets[where],
            cell_size=self.cell_size[where],
            theta=self.theta[where],
        )

    def save(self, path: str | Path) -> None:
        """Write the arrays and settings to an ``.npz`` file (uncompressed, fast)."""
        np.savez(
            path,
            inputs=self.inputs,
            targets=self.targets,
            cell_size=self.cell_size,
            theta=self.theta,
            settings=np.array(json.dumps(self.settings)),
        )

    @classmethod
    def load(cls, path: str | Path) -> Dataset:
        """Read a dataset written by :meth:`save`.

        Raises
        ------
        ValueError
            When the file lacks one of the arrays.
        """
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in ("inputs", "targets", "cell_size", "theta") if k not in data]
            if missing:
                raise ValueError(
                    f"{path} is not an ecal dataset: missing {', '.join(missing)}; "
                    "write it with `robustsel simulate ecal`."
                )
            settings = json.loads(str(data["settings"])) if "settings" in data else {}
            return cls(data["inputs"], data["targets"], data["cell_size"], data["theta"], settings)


def check_range(name: str, bounds: tuple[float, float]) -> tuple[float, float]:
    """Return ``bounds`` as floats if ``0 < min < max``, else raise ``ValueError``."""
    low, high = (float(b) for b in bounds)
    if not 0 < low < high:
        raise ValueError(f"{name} must satisfy 0 < min < max; got ({low:g}, {high:g}).")
    return low, high


def check_window(window: int) -> int:
    """Return ``window`` if it is an odd number of cells >= 3, else raise ``ValueError``."""
    if window < 3 or window % 2 == 0:
        raise ValueError(f"window must be an odd number of cells >= 3; got {window}.")
    return window


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}.")
    return value


def simulate(
    n: int,
    *,
    dataset: str = "A",
    seed: int = 0,
    window: int = 15,
    region: str = "inner",
    energy_range: tuple[float, float] = (1.0, 100.0),
    spectrum: str = "falling",
    spectrum_index: float = 1.0,
    angle_range: tuple[float, float] | None = None,
    background: float = 1.0,
    calorimeter: Calorimeter | None = None,
    progress: Callable[[int], None] | None = None,
) -> Dataset:
    """Simulate ``n`` single-photon clusters.

    Parameters
    ----------
    n : int
        Number of clusters.
    dataset : {"A", "B"}, default="A"
        ``A``: the photon alone; ``B``: with pile-up background.
    seed : int, default=0
        Seed of the random streams; the same seed gives the same arrays.
    window : int, default=15
        Side of the square window of cells around the seed cell (odd, >= 3).
    region : {"inner", "middle", "outer", "mixed"}, default="inner"
        Region of the cells (4, 6 or 12 cm); ``mixed`` draws one per sample.
    energy_range : tuple of float, default=(1.0, 100.0)
        Photon energies, GeV.
    spectrum : {"falling", "flat"}, default="falling"
        ``falling``: ``dN/dE ~ E^-spectrum_index``; ``flat``: uniform.
    spectrum_index : float, default=1.0
        Power of the falling spectrum; 1 is uniform in log E.
    angle_range : tuple of float or None, default=None
        Polar angles (rad) drawn with ``dN/dtheta ~ 1/theta`` (flat in
        pseudorapidity); None takes the region's range (:data:`REGIONS`).
    background : float, default=1.0
        Pile-up intensity of dataset B, multiplying the mean numbers of soft
        showers and hits; ignored for dataset A.
    calorimeter : Calorimeter or None
        Detector and shower constants; None for the LHCb-like defaults.
    progress : callable or None
        Called with the number of clusters done after each chunk.

    Returns
    -------
    Dataset
        Inputs ``float32 (n, 1, window, window)`` and targets ``energy, x, y``.

    Raises
    ------
    ValueError
        For ``n < 1``, a negative seed, an unknown dataset, region or spectrum,
        an even or too small window, an empty or non-positive energy or angle
        range, or a negative background.

    Examples
    --------
    >>> data = simulate(100, dataset="B", seed=1)
    >>> data.inputs.shape, data.inputs.dtype, data.targets.shape
    ((100, 1, 15, 15), dtype('float32'), (100, 3))
    >>> bool((abs(data.x) <= 2.0).all()), bool((data.energy >= 1).all())
    (True, True)
    """
    if n < 1:
        raise ValueError(f"n must be >= 1; got {n}.")
    if seed < 0:
        raise ValueError(f"seed must be >= 0; got {seed}.")
    _check_choice("dataset", dataset, DATASETS)
    _check_choice("region", region, (*REGIONS, "mixed"))
    _check_choice("spectrum", spectrum, SPECTRA)
    check_window(window)
    energy_range = check_range("energy_range", energy_range)
    if angle_range is not None:
        angle_range = check_range("angle_range", angle_range)
        if angle_range[1] >= math.pi / 2:
            raise ValueError(f"angle_range must stay below pi/2 rad; got {angle_range[1]:g}.")
    if not background >= 0:
        raise ValueError(f"background must be >= 0; got {background}.")
    calo = calorimeter or Calorimeter()
    settings: dict[str, Any] = {
        "n": n,
        "dataset": dataset,
        "seed": seed,
        "window": window,
        "region": region,
        "energy_range": list(energy_range),
        "spectrum": spectrum,
        "spectrum_index": spectrum_index,
        "angle_range": None if angle_range is None else list(angle_range),
        "background": background if dataset == "B" else 0.0,
        "calorimeter": json.loads(json.dumps(asdict(calo))),
    }
    inputs = np.empty((n, 1, window, window), dtype=np.float32)
    targets = np.empty((n, 3), dtype=np.float32)
    cell_size = np.empty(n, dtype=np.float32)
    theta = np.empty(n, dtype=np.float32)
    streams = np.random.SeedSequence(seed).spawn(math.ceil(n / CHUNK))
    for start, stream in zip(range(0, n, CHUNK), streams, strict=True):
        stop = min(start + CHUNK, n)
        chunk = _Chunk(np.random.default_rng(stream), stop - start, settings, calo)
        inputs[start:stop, 0] = chunk.images()
        targets[start:stop] = np.column_stack([chunk.energy, chunk.x, chunk.y])
        cell_size[start:stop] = chunk.cell
        theta[start:stop] = chunk.theta
        if progress is not None:
            progress(stop)
    return Dataset(inputs, targets, cell_size, theta, settings)


class _Chunk:
    """The random draws of one chunk of clusters and the images they make."""

    def __init__(
        self, rng: np.random.Generator, m: int, settings: Mapping[str, Any], calo: Calorimeter
    ) -> None:
        self.rng, self.m, self.calo = rng, m, calo
        self.window = int(settings["window"])
        self.dataset = settings["dataset"]
        self.background = float(settings["background"])
        names = list(REGIONS) if settings["region"] == "mixed" else [settings["region"]]
        which = rng.integers(len(names), size=m)
        regions = [REGIONS[name] for name in names]
        self.cell = np.array([r.cell_size for r in regions])[which]
        low, high = (
            np.array([r.angle_range for r in regions])[which].T
            if settings["angle_range"] is None
            else settings["angle_range"]
        )
        self.energy = _photon_energy(rng, m, settings)
        self.theta = low * (high / low) ** rng.random(m)
        self.phi = rng.uniform(0, 2 * np.pi, m)
        self.x = (rng.random(m) - 0.5) * self.cell
        self.y = (rng.random(m) - 0.5) * self.cell

    def images(self) -> Array:
        """Deposits ``(m, W, W)`` in GeV after background, fluctuations and noise."""
        image = self._photon()
        if self.dataset == "B":
            self._add_pileup(image)
        calo, rng = self.calo, self.rng
        gain = 1 + calo.constant * rng.standard_normal(self.m)[:, None, None]
        sigma = np.sqrt(calo.stochastic**2 * np.maximum(image, 0) + calo.noise**2)
        return gain * image + sigma * rng.standard_normal(image.shape, dtype=np.float32)

    def _photon(self) -> Array:
        calo, k = self.calo, self.calo.depth_spots
        t_max = np.log(self.energy / calo.critical_energy) + 0.5
        shape = 1 + LONGITUDINAL_SLOPE * t_max
        quantiles = (np.arange(k) + 0.5) / k
        depth = gammaincinv(shape[:, None], quantiles) / LONGITUDINAL_SLOPE
        conversion = self.rng.exponential(9 / 7, self.m) - 9 / 7
        depth = np.maximum(depth + conversion[:, None], 0) * calo.radiation_length
        slope = np.tan(self.theta)[:, None] * (depth - calo.reference_depth)
        spots_x = self.x[:, None] + slope * np.cos(self.phi)[:, None]
        spots_y = self.y[:, None] + slope * np.sin(self.phi)[:, None]
        return self._showers(spots_x, spots_y, self.energy / k, self.cell)

    def _add_pileup(self, image: Array) -> None:
        calo, rng, w = self.calo, self.rng, self.window
        showers = rng.poisson(calo.pileup_showers * self.background, self.m)
        owner = np.repeat(np.arange(self.m), showers)
        if owner.size:
            cell = self.cell[owner]
            half = w * cell / 2
            spots_x = rng.uniform(-half, half)[:, None]
            spots_y = rng.uniform(-half, half)[:, None]
            energy = _power_law(rng, owner.size, *calo.pileup_energy_range, index=2.0)
            soft = self._showers(spots_x, spots_y, energy, cell).reshape(owner.size, -1)
            image[showers > 0] += _group_sums(soft, showers).reshape(-1, w, w)
        hits = rng.poisson(calo.pileup_hits * self.background, self.m)
        owner = np.repeat(np.arange(self.m), hits)
        rows, cols = rng.integers(w, size=(2, owner.size))
        np.add.at(image, (owner, rows, cols), rng.exponential(calo.hit_energy, owner.size))

    def _showers(self, spots_x: Array, spots_y: Array, energy: Array, cell: Array) -> Array:
        """Energy per cell of showers made of spots at ``(spots_x, spots_y)``, each
        spot carrying ``energy``; arrays ``(m, k)``, ``(m,)``, ``(m,)``."""
        calo = self.calo
        widths = calo.moliere_radius * np.array([calo.core_width, calo.tail_width])
        weights = np.array([calo.core_fraction, 1 - calo.core_fraction])
        edges = (np.arange(self.window + 1) - self.window / 2)[None, :] * cell[:, None]
        m = len(energy)
        share = energy[:, None, None, None] * weights[None, None, :, None]
        along_x = (_cell_shares(spots_x, edges, widths) * share).reshape(m, -1, self.window)
        along_y = _cell_shares(spots_y, edges, widths).reshape(m, -1, self.window)
        return np.einsum("mki,mkj->mij", along_y, along_x)


def _cell_shares(spots: Array, edges: Array, widths: Array) -> Array:
    """Shares ``(m, k, c, W)`` of each spot's Gaussian components in each column of
    cells, from spot positions ``(m, k)``, cell edges ``(m, W + 1)`` and widths ``(c,)``."""
    z = (edges[:, None, None, :] - spots[:, :, None, None]) / widths[None, None, :, None]
    return np.diff(ndtr(z), axis=-1)


def _group_sums(rows: Array, counts: npt.NDArray[np.int64]) -> Array:
    """Sums of consecutive groups of ``rows``, ``counts`` rows each; empty groups skipped."""
    last = np.cumsum(counts)[counts > 0] - 1
    return np.diff(np.cumsum(rows, axis=0)[last], axis=0, prepend=np.zeros((1, rows.shape[1])))


def _photon_energy(rng: np.random.Generator, m: int, settings: Mapping[str, Any]) -> Array:
    low, high = settings["energy_range"]
    if settings["spectrum"] == "flat":
        return rng.uniform(low, high, m)
    return _power_law(rng, m, low, high, index=float(settings["spectrum_index"]))


def _power_law(rng: np.random.Generator, m: int, low: float, high: float, *, index: float) -> Array:
    """Draws from ``dN/dE ~ E^-index`` on ``[low, high]`` by inverting the CDF."""
    u = rng.random(m)
    if index == 1:
        return low * (high / low) ** u
    g = 1 - index
    return (low**g + u * (high**g - low**g)) ** (1 / g)
