"""Two-dimensional loss landscapes for watching optimizers move.

Every landscape is a :class:`Landscape`: a vectorised loss ``f(xy)`` and its exact analytic
gradient ``grad(xy)``, where ``xy`` has shape ``(..., 2)`` (a point, a batch of points, or a
whole plotting grid), plus what a scene needs: a default view window, the global minima to mark,
a default start point and the formula in LaTeX.

``LANDSCAPES`` holds them in display order, at their default parameters.

Numerical safety: learners push optimizers off to infinity, so every ``f`` and ``grad`` is
evaluated under ``np.errstate(all="ignore")``. Overflow gives ``inf`` and invalid operations give
``nan`` quietly; the run loop treats both as divergence.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .params import Param

Array = np.ndarray
Window = tuple[tuple[float, float], tuple[float, float]]
_Scalar2 = Callable[[Array, Array], Array]
_Vector2 = Callable[[Array, Array], tuple[Array, Array]]


@dataclasses.dataclass(frozen=True, eq=False)
class Landscape:
    """A loss surface :math:`f:\\mathbb{R}^2\\to\\mathbb{R}` with everything a scene needs.

    Attributes:
      name: registry key, e.g. ``"rosenbrock"``.
      label: display name.
      latex: the formula, for ``st.latex``.
      description: one or two sentences for learners.
      f: ``f(xy) -> ndarray`` of shape ``xy.shape[:-1]``; pure and vectorised.
      grad: ``grad(xy) -> ndarray`` of shape ``xy.shape``; the exact analytic gradient.
      window: ``((xmin, xmax), (ymin, ymax))``, the default view.
      minima: ``(k, 2)`` array of the known global minima (``(0, 2)`` when there are none).
      start: the default start point.
      log_scale: whether contour levels look better on :math:`\\log(f - f^* + 1)`.
      f_min: the global minimum value :math:`f^*`, or ``None`` when ``f`` is unbounded below or
        :math:`f^*` is unknown (the saddle, custom formulas); plots of the loss then show raw
        ``f`` instead of :math:`f - f^*`.
      params: the landscape's own tunable numbers (e.g. the quadratic's κ and θ).
      values: the current value of each of ``params``.
      build: ``build(**values) -> Landscape``, how :meth:`with_params` rebuilds it; ``None`` for
        landscapes without params.
      fxy: ``fxy(x, y)``, ``f`` of the coordinates as two arrays that NumPy broadcasts (what
        :meth:`on_grid` evaluates); ``None`` to go through ``f``.
      gradxy: ``gradxy(x, y) -> (gx, gy)``, ``grad`` of the coordinates as two arrays or two
        NumPy scalars (what a single run's loop takes at each step); not quiet by itself, the
        caller sets ``np.errstate``. ``None`` to go through ``grad``.
    """

    name: str
    label: str
    latex: str
    description: str
    f: Callable[[Array], Array]
    grad: Callable[[Array], Array]
    window: Window
    minima: Array
    start: tuple[float, float]
    log_scale: bool
    f_min: float | None
    params: tuple[Param, ...] = ()
    values: dict[str, float] = dataclasses.field(default_factory=dict)
    build: Callable[..., Landscape] | None = dataclasses.field(default=None, repr=False)
    fxy: Callable[[Array, Array], Array] | None = dataclasses.field(default=None, repr=False)
    gradxy: Callable[[Array, Array], tuple[Array, Array]] | None = dataclasses.field(
        default=None, repr=False
    )

    def __post_init__(self) -> None:
        minima = np.array(self.minima, dtype=np.float64).reshape(-1, 2)
        # Registry objects are shared by every session of the app: nobody may edit them.
        minima.setflags(write=False)
        (x0, x1), (y0, y1) = self.window
        object.__setattr__(self, "minima", minima)
        object.__setattr__(self, "window", ((float(x0), float(x1)), (float(y0), float(y1))))
        object.__setattr__(self, "start", (float(self.start[0]), float(self.start[1])))
        object.__setattr__(self, "values", dict(self.values))
        if not (x0 < x1 and y0 < y1):
            raise ValueError(f"{self.name}: empty window {self.window}")
        if set(self.values) != {p.name for p in self.params}:
            raise ValueError(f"{self.name}: values {sorted(self.values)} do not match params")
        if self.params and self.build is None:
            raise ValueError(f"{self.name}: a landscape with params needs a build function")

    def on_grid(self, xs: Array, ys: Array) -> Array:
        """``f`` on a plotting grid: ``z[i, j] = f((xs[j], ys[i]))``, shape ``(len(ys), len(xs))``.

        A landscape written as ``f(x, y)`` is evaluated on ``xs`` as a row and ``ys`` as a
        column, which NumPy broadcasts: the ``(len(ys), len(xs), 2)`` array of points is never
        built, nor read with a stride.
        """
        xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
        if self.fxy is None:
            xy = np.empty((ys.size, xs.size, 2))
            xy[..., 0], xy[..., 1] = xs, ys[:, None]
            return self.f(xy)
        out = np.empty((ys.size, xs.size))
        # In bands of rows: the whole grid's temporaries (1.3 MB each at 400²) are memory the
        # allocator gives back to the system and maps again at every call, and stay out of
        # the cache. The quadratic's 400² grid took 2.0 ms at once (1,200 page faults), 0.5 ms
        # in bands (600, of which 300 are the result's).
        rows = max(1, _GRID_BAND // max(xs.size, 1))
        with np.errstate(all="ignore"):
            for i in range(0, ys.size, rows):
                band = ys[i : i + rows, None]
                out[i : i + rows] = self.fxy(xs[None, :], band)  # a constant f broadcasts too
        return out

    def with_params(self, **values: float) -> Landscape:
        """The same landscape with some parameters changed (the others keep their values).

        Raises:
          ValueError: for an unknown name, a value that is not a finite number, or a value
            outside the parameter's declared range.
        """
        declared = {p.name: p for p in self.params}
        merged = dict(self.values)
        for key, value in values.items():
            if key not in declared:
                known = ", ".join(declared) or "none"
                raise ValueError(f"{self.name} has no parameter {key!r} (parameters: {known})")
            real = isinstance(value, int | float | np.integer | np.floating)
            if isinstance(value, bool) or not real:
                raise ValueError(f"{self.name}: {key} must be a number, not {value!r}")
            param = declared[key]
            if not param.contains(float(value)):
                raise ValueError(
                    f"{self.name}: {key}={value} is outside [{param.low}, {param.high}]"
                )
            merged[key] = float(value)
        if not values:
            return self
        assert self.build is not None  # __post_init__ demands it whenever there are params
        return self.build(**merged)


_GRID_BAND = 40_000  # points of the grid evaluated at once (on_grid): 100 rows of 400


def vectorised(f2: _Scalar2, grad2: _Vector2) -> tuple[Callable, Callable]:
    """Lift ``f2(x, y)`` and ``grad2(x, y) -> (gx, gy)`` to quiet functions of ``xy[..., 2]``
    (the registry's landscapes and the parser's formulas). Each returns a new array of its
    full shape, even where ``f2`` or ``grad2`` gives a constant or one of its inputs."""

    def f(xy: Array) -> Array:
        xy = np.asarray(xy, dtype=np.float64)
        with np.errstate(all="ignore"):
            value = np.asarray(f2(xy[..., 0], xy[..., 1]), dtype=np.float64)
        if value.shape == xy.shape[:-1] and not np.may_share_memory(value, xy):
            return value  # computed anew: no copy (a sweep calls this at every step)
        return np.broadcast_to(value, xy.shape[:-1]).copy()  # a constant, or x itself

    def grad(xy: Array) -> Array:
        xy = np.asarray(xy, dtype=np.float64)
        out = np.empty_like(xy)  # keeps the caller's memory layout: no copy in the run loop
        with np.errstate(all="ignore"):
            out[..., 0], out[..., 1] = grad2(xy[..., 0], xy[..., 1])
        return out

    return f, grad


def _landscape(f: _Scalar2, grad: _Vector2, **fields: Any) -> Landscape:
    vf, vgrad = vectorised(f, grad)
    return Landscape(f=vf, grad=vgrad, fxy=f, gradxy=grad, **fields)


# --- the narrow valley -------------------------------------------------------------------------

QUADRATIC_L = 18.0
"""Curvature :math:`L` of the quadratic's steep direction, fixed while κ varies.

Keeping :math:`L` fixed keeps the stability limit of gradient descent, :math:`\\eta < 2/L
\\approx 0.111`, where it is as κ moves; η between :math:`1/L` and :math:`2/L` zig-zags across
the valley. κ only flattens the valley floor, :math:`\\mu = L/\\kappa`.
"""

_KAPPA = Param(
    "kappa", "κ", 50.0, 1.0, 1000.0, True, "condition number: how much flatter the valley floor is"
)
_ANGLE = Param("angle", "θ", 0.0, -90.0, 90.0, False, "rotation of the valley, in degrees")


def _quadratic(kappa: float = _KAPPA.default, angle: float = _ANGLE.default) -> Landscape:
    r"""The ill-conditioned quadratic, a narrow valley of condition number κ rotated by θ.

    .. math::
        f(w) = \tfrac12 w^\top A w, \qquad
        A = R(\theta) \begin{pmatrix} L/\kappa & 0 \\ 0 & L \end{pmatrix} R(\theta)^\top,

    i.e. :math:`f = \frac{L}{2}(u^2/\kappa + v^2)` with :math:`u = x\cos\theta + y\sin\theta`,
    :math:`v = -x\sin\theta + y\cos\theta`, and :math:`\nabla f = A w`. :math:`L` is
    :data:`QUADRATIC_L`; the eigenvalues of :math:`A` are :math:`L/\kappa` and :math:`L`.
    """
    theta = math.radians(angle)
    c, s = math.cos(theta), math.sin(theta)
    mu, big = QUADRATIC_L / kappa, QUADRATIC_L

    def f(x: Array, y: Array) -> Array:
        u, v = c * x + s * y, c * y - s * x
        return 0.5 * (mu * u * u + big * v * v)

    def grad(x: Array, y: Array) -> tuple[Array, Array]:
        u, v = c * x + s * y, c * y - s * x
        gu, gv = mu * u, big * v
        return c * gu - s * gv, s * gu + c * gv

    # The start point turns with the valley, so θ rotates the whole scene.
    u0, v0 = -4.0, 1.5
    return _landscape(
        f,
        grad,
        name="quadratic",
        label="Narrow valley (quadratic)",
        latex=(
            r"f(x, y) = \frac{L}{2}\left(\frac{u^{2}}{\kappa} + v^{2}\right),\quad "
            r"u = x\cos\theta + y\sin\theta,\; v = -x\sin\theta + y\cos\theta,\; "
            rf"L = {QUADRATIC_L:g}"
        ),
        description=(
            # What the narrow-valley preset's run shows (tests/test_presets.py).
            "A long narrow valley whose walls curve κ times more sharply than its floor. Gradient "
            "descent zig-zags between the walls; momentum swings across more slowly while its "
            "velocity builds up along the floor. Rotate it with θ to see per-coordinate "
            "adaptive methods lose their edge."
        ),
        window=((-5.0, 5.0), (-5.0, 5.0)),
        minima=[[0.0, 0.0]],
        start=(c * u0 - s * v0, s * u0 + c * v0),
        log_scale=True,
        f_min=0.0,
        params=(_KAPPA, _ANGLE),
        values={"kappa": float(kappa), "angle": float(angle)},
        build=_quadratic,
    )


# --- classic test functions --------------------------------------------------------------------


def _rosenbrock(x: Array, y: Array) -> Array:
    r"""Rosenbrock with a = 1, b = 100: :math:`f = (1 - x)^2 + 100 (y - x^2)^2`."""
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def _rosenbrock_grad(x: Array, y: Array) -> tuple[Array, Array]:
    r""":math:`\nabla f = (-2(1 - x) - 400 x (y - x^2),\; 200 (y - x^2))`."""
    t = y - x * x
    return -2.0 * (1.0 - x) - 400.0 * x * t, 200.0 * t


def _beale(x: Array, y: Array) -> Array:
    r""":math:`f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2`."""
    y2 = y * y
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y2) ** 2 + (2.625 - x + x * y2 * y) ** 2


def _beale_grad(x: Array, y: Array) -> tuple[Array, Array]:
    r""":math:`\partial_x f = \sum_i 2 t_i (y^i - 1)`, :math:`\partial_y f = \sum_i 2 t_i\, i x
    y^{i-1}`, with :math:`t_i = c_i - x + x y^i` and :math:`c = (1.5, 2.25, 2.625)`."""
    y2 = y * y
    y3 = y2 * y
    t1, t2, t3 = 1.5 - x + x * y, 2.25 - x + x * y2, 2.625 - x + x * y3
    gx = 2.0 * (t1 * (y - 1.0) + t2 * (y2 - 1.0) + t3 * (y3 - 1.0))
    gy = 2.0 * x * (t1 + 2.0 * t2 * y + 3.0 * t3 * y2)
    return gx, gy


def _himmelblau(x: Array, y: Array) -> Array:
    r""":math:`f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2`."""
    return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2


def _himmelblau_grad(x: Array, y: Array) -> tuple[Array, Array]:
    r""":math:`\nabla f = (4 x a + 2 b,\; 2 a + 4 y b)`, :math:`a = x^2 + y - 11`,
    :math:`b = x + y^2 - 7`."""
    a, b = x * x + y - 11.0, x + y * y - 7.0
    return 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


def _saddle(x: Array, y: Array) -> Array:
    r""":math:`f = x^2 - y^2`."""
    return x * x - y * y


def _saddle_grad(x: Array, y: Array) -> tuple[Array, Array]:
    r""":math:`\nabla f = (2x, -2y)`."""
    return 2.0 * x, -2.0 * y


_TWO_PI = 2.0 * math.pi


def _rastrigin(x: Array, y: Array) -> Array:
    r""":math:`f = 20 + \sum_{t \in \{x, y\}} \left(t^2 - 10\cos(2\pi t)\right)`."""
    return 20.0 + x * x - 10.0 * np.cos(_TWO_PI * x) + y * y - 10.0 * np.cos(_TWO_PI * y)


def _rastrigin_grad(x: Array, y: Array) -> tuple[Array, Array]:
    r""":math:`\partial_t f = 2t + 20\pi \sin(2\pi t)`."""
    k = 10.0 * _TWO_PI
    return 2.0 * x + k * np.sin(_TWO_PI * x), 2.0 * y + k * np.sin(_TWO_PI * y)


def _ackley(x: Array, y: Array) -> Array:
    r"""Ackley: :math:`f = -20 e^{-0.2 r} - e^{(\cos 2\pi x + \cos 2\pi y)/2} + e + 20`,
    :math:`r = \sqrt{(x^2 + y^2)/2}`."""
    r = np.sqrt(0.5 * (x * x + y * y))
    waves = np.exp(0.5 * (np.cos(_TWO_PI * x) + np.cos(_TWO_PI * y)))
    return -20.0 * np.exp(-0.2 * r) - waves + math.e + 20.0


def _ackley_grad(x: Array, y: Array) -> tuple[Array, Array]:
    r"""With :math:`r = \sqrt{(x^2 + y^2)/2}`:
    :math:`\partial_x f = 2 e^{-0.2 r} x / r + \pi \sin(2\pi x)\, e^{(\cos 2\pi x + \cos 2\pi
    y)/2}`, likewise for y. At the tip :math:`r = 0` the cone has no gradient; we return its
    minimal-norm subgradient, 0.
    """
    r = np.sqrt(0.5 * (x * x + y * y))
    # 2 e^{-0.2 r} / r, set to 0 at the tip instead of 0/0.
    cone = np.where(r > 0.0, 2.0 * np.exp(-0.2 * r) / np.where(r > 0.0, r, 1.0), 0.0)
    waves = math.pi * np.exp(0.5 * (np.cos(_TWO_PI * x) + np.cos(_TWO_PI * y)))
    return cone * x + waves * np.sin(_TWO_PI * x), cone * y + waves * np.sin(_TWO_PI * y)


def _booth(x: Array, y: Array) -> Array:
    r""":math:`f = (x + 2y - 7)^2 + (2x + y - 5)^2`."""
    return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2


def _booth_grad(x: Array, y: Array) -> tuple[Array, Array]:
    r""":math:`\nabla f = (2a + 4b,\; 4a + 2b)`, :math:`a = x + 2y - 7`, :math:`b = 2x + y - 5`."""
    a, b = x + 2.0 * y - 7.0, 2.0 * x + y - 5.0
    return 2.0 * a + 4.0 * b, 4.0 * a + 2.0 * b


def _camel(x: Array, y: Array) -> Array:
    r""":math:`f = (4 - 2.1x^2 + x^4/3)\,x^2 + xy + (4y^2 - 4)\,y^2`."""
    x2, y2 = x * x, y * y
    return (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (4.0 * y2 - 4.0) * y2


def _camel_grad(x: Array, y: Array) -> tuple[Array, Array]:
    r""":math:`\nabla f = (8x - 8.4x^3 + 2x^5 + y,\; x - 8y + 16y^3)`."""
    x2 = x * x
    return x * (8.0 - 8.4 * x2 + 2.0 * x2 * x2) + y, x + y * (16.0 * y * y - 8.0)


def _plateau(x: Array, y: Array) -> Array:
    r""":math:`f = 1 - e^{-(x^2 + y^2)}`: a basin of radius about 1 cut into a flat plateau.

    The plateau's slope :math:`2 r e^{-r^2}` is below :math:`10^{-3}` beyond :math:`r = 3`, so
    plain gradient descent with η = 0.1 moves less than :math:`10^{-4}` per step there.
    """
    return 1.0 - np.exp(-(x * x + y * y))


def _plateau_grad(x: Array, y: Array) -> tuple[Array, Array]:
    r""":math:`\nabla f = 2 e^{-(x^2 + y^2)} (x, y)`."""
    k = 2.0 * np.exp(-(x * x + y * y))
    return k * x, k * y


# Global minima not known in closed form, found by Newton's method in 40-digit arithmetic and
# rounded to float64. The published values are (−2.805118, 3.131312), (−3.779310, −3.283186),
# (3.584428, −1.848126) for Himmelblau and ±(0.0898, −0.7126), f* = −1.0316 for the camel.
_HIMMELBLAU_MINIMA = [
    [3.0, 2.0],
    [-2.8051180869527448, 3.1313125182505729],
    [-3.7793102533777469, -3.2831859912861694],
    [3.5844283403304917, -1.8481265269644036],
]
_CAMEL_MINIMUM = (0.089842013100318062, -0.71265640302073963)
_CAMEL_F_MIN = -1.0316284534898774


LANDSCAPES: dict[str, Landscape] = {
    "quadratic": _quadratic(),
    "rosenbrock": _landscape(
        _rosenbrock,
        _rosenbrock_grad,
        name="rosenbrock",
        label="Rosenbrock",
        latex=r"f(x, y) = (1 - x)^{2} + 100\,(y - x^{2})^{2}",
        description=(
            "A curved, flat-bottomed banana valley. Reaching the valley is easy; following its "
            "gentle curve to the minimum at (1, 1) is slow for every method."
        ),
        window=((-2.0, 2.0), (-1.0, 3.0)),
        minima=[[1.0, 1.0]],
        start=(-1.5, 2.0),
        log_scale=True,
        f_min=0.0,
    ),
    "beale": _landscape(
        _beale,
        _beale_grad,
        name="beale",
        label="Beale",
        latex=(
            r"f(x, y) = (1.5 - x + xy)^{2} + (2.25 - x + xy^{2})^{2} + (2.625 - x + xy^{3})^{2}"
        ),
        description=(
            "Flat near the middle and violently steep at the corners, so gradients range over "
            "many orders of magnitude; the minimum sits at (3, 0.5) at the end of a narrow arm."
        ),
        window=((-4.5, 4.5), (-4.5, 4.5)),
        minima=[[3.0, 0.5]],
        start=(1.0, 1.0),
        log_scale=True,
        f_min=0.0,
    ),
    "himmelblau": _landscape(
        _himmelblau,
        _himmelblau_grad,
        name="himmelblau",
        label="Himmelblau",
        latex=r"f(x, y) = (x^{2} + y - 11)^{2} + (x + y^{2} - 7)^{2}",
        description=(
            "Four equally deep minima. Starting next to the hilltop in the middle, plain and "
            "adaptive methods roll down different sides and end in different minima."
        ),
        window=((-5.0, 5.0), (-5.0, 5.0)),
        minima=_HIMMELBLAU_MINIMA,
        start=(-0.3, -0.9),
        log_scale=True,
        f_min=0.0,
    ),
    "saddle": _landscape(
        _saddle,
        _saddle_grad,
        name="saddle",
        label="Saddle",
        latex=r"f(x, y) = x^{2} - y^{2}",
        description=(
            "A saddle point at the origin and no minimum at all. Starting almost on the x-axis, "
            "plain gradient descent creeps towards the saddle before it slides off; noise or "
            "adaptive steps escape sooner."
        ),
        window=((-2.0, 2.0), (-2.0, 2.0)),
        minima=np.empty((0, 2)),
        start=(-1.8, 0.01),
        log_scale=False,
        f_min=None,
    ),
    "rastrigin": _landscape(
        _rastrigin,
        _rastrigin_grad,
        name="rastrigin",
        label="Rastrigin",
        latex=r"f(x, y) = 20 + x^{2} - 10\cos(2\pi x) + y^{2} - 10\cos(2\pi y)",
        description=(
            "A bowl covered in a regular grid of local minima. Small steps get stuck in the "
            "nearest dimple; only large steps or noise see the bowl underneath."
        ),
        window=((-5.12, 5.12), (-5.12, 5.12)),
        minima=[[0.0, 0.0]],
        start=(-3.6, 3.3),
        log_scale=False,
        f_min=0.0,
    ),
    "ackley": _landscape(
        _ackley,
        _ackley_grad,
        name="ackley",
        label="Ackley",
        latex=(
            r"f(x, y) = -20\,e^{-0.2\sqrt{(x^{2} + y^{2})/2}} "
            r"- e^{(\cos 2\pi x + \cos 2\pi y)/2} + e + 20"
        ),
        description=(
            "A nearly flat, bumpy outer region around one deep funnel at the origin. Local "
            "minima trap small steps far from the funnel."
        ),
        window=((-4.0, 4.0), (-4.0, 4.0)),
        minima=[[0.0, 0.0]],
        start=(3.2, 2.4),
        log_scale=False,
        f_min=0.0,
    ),
    "booth": _landscape(
        _booth,
        _booth_grad,
        name="booth",
        label="Booth",
        latex=r"f(x, y) = (x + 2y - 7)^{2} + (2x + y - 5)^{2}",
        description=(
            "A tilted quadratic bowl with condition number 9 and its minimum at (1, 3): the "
            "simplest scene in which a too-large step makes gradient descent zig-zag."
        ),
        window=((-4.0, 6.0), (-2.0, 8.0)),
        minima=[[1.0, 3.0]],
        start=(-3.0, 5.0),
        log_scale=True,
        f_min=0.0,
    ),
    "six_hump_camel": _landscape(
        _camel,
        _camel_grad,
        name="six_hump_camel",
        label="Six-hump camel",
        latex=(
            r"f(x, y) = \left(4 - 2.1x^{2} + \frac{x^{4}}{3}\right)x^{2} + xy "
            r"+ \left(4y^{2} - 4\right)y^{2}"
        ),
        description=(
            "Six local minima, two of them global at ±(0.0898, −0.7126). Where a run ends up "
            "depends on its start and its momentum."
        ),
        window=((-2.0, 2.0), (-1.2, 1.2)),
        minima=[_CAMEL_MINIMUM, (-_CAMEL_MINIMUM[0], -_CAMEL_MINIMUM[1])],
        start=(-1.6, -0.9),
        log_scale=True,
        f_min=_CAMEL_F_MIN,
    ),
    "plateau": _landscape(
        _plateau,
        _plateau_grad,
        name="plateau",
        label="Plateau and cliff",
        latex=r"f(x, y) = 1 - e^{-(x^{2} + y^{2})}",
        description=(
            "A flat plateau whose gradient is about 0.001 at the start ends at a cliff "
            "dropping into a round basin. Gradient descent barely moves; Adam and RMSProp "
            "divide the tiny gradient by its own size and cross the plateau in a few dozen steps."
        ),
        window=((-3.5, 3.5), (-3.5, 3.5)),
        minima=[[0.0, 0.0]],
        start=(2.8, 1.0),
        log_scale=False,
        f_min=0.0,
    ),
}
"""Every built-in landscape, in display order, at its default parameters."""
