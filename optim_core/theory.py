r"""Theory for the quadratic: optimal steps and convergence rates of GD and heavy-ball momentum.

On :math:`f(w) = \tfrac12 w^\top A w` with eigenvalues :math:`\mu \le L` of :math:`A` and
condition number :math:`\kappa = L/\mu`, every method here is linear, so it acts on each
eigen-direction of :math:`A` separately and its error shrinks by a fixed factor per step, the
*rate*: after :math:`t` steps :math:`\|w_t - w^*\| \approx C\,\rho^t` (times a polynomial in
:math:`t` where two eigenvalues of the iteration coincide). ``rate`` below is that
:math:`\rho`; a rate of 1 or more means no convergence.

Every function is pure and broadcasts over NumPy arrays, so a whole :math:`(\eta, \beta)` grid
is one call.

References:
  Polyak, "Some methods of speeding up the convergence of iteration methods", USSR Computational
  Mathematics and Mathematical Physics 4(5), 1964.
  Goh, "Why Momentum Really Works", Distill, 2017. https://distill.pub/2017/momentum/
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


class Optimum(NamedTuple):
    """The best hyperparameters of a method on the quadratic and the rate they give."""

    lr: float
    beta: float
    rate: float


def gd_optimum(mu: float, L: float) -> Optimum:
    r"""Gradient descent's best constant step and its rate (``beta`` is 0).

    .. math::

      \eta^* = \frac{2}{L + \mu}, \qquad \rho^* = \frac{L - \mu}{L + \mu}
      = \frac{\kappa - 1}{\kappa + 1}

    :math:`\eta^*` balances the two eigen-directions: :math:`1 - \eta^*\mu = -(1 - \eta^* L)`.
    """
    return Optimum(lr=2.0 / (L + mu), beta=0.0, rate=(L - mu) / (L + mu))


def heavy_ball_optimum(mu: float, L: float) -> Optimum:
    r"""Polyak's optimal heavy-ball step and momentum, and their rate.

    .. math::

      \eta^* = \left(\frac{2}{\sqrt{L} + \sqrt{\mu}}\right)^2, \qquad
      \beta^* = \left(\frac{\sqrt{\kappa} - 1}{\sqrt{\kappa} + 1}\right)^2, \qquad
      \rho^* = \sqrt{\beta^*} = \frac{\sqrt{\kappa} - 1}{\sqrt{\kappa} + 1}

    References:
      Polyak 1964; Goh, "Why Momentum Really Works", Distill 2017, section "The Critical Damping".
    """
    root_kappa = np.sqrt(L / mu)
    rate = (root_kappa - 1.0) / (root_kappa + 1.0)
    lr = (2.0 / (np.sqrt(L) + np.sqrt(mu))) ** 2
    return Optimum(lr=float(lr), beta=float(rate**2), rate=float(rate))


def momentum_rate(lr: Any, beta: Any, mu: float, L: float) -> np.ndarray:
    r"""The convergence rate of heavy-ball momentum for any :math:`(\eta, \beta)`, broadcast.

    Let :math:`\eta` be ``lr``, :math:`\beta` be ``beta``. Heavy ball,

    .. math::

      w_{t+1} = w_t - \eta\,\nabla f(w_t) + \beta\,(w_t - w_{t-1}),

    moves each eigen-direction :math:`\lambda \in \{\mu, L\}` of the quadratic by the matrix

    .. math::

      \begin{pmatrix} x_{t+1} \\ x_t \end{pmatrix}
      = M_\lambda \begin{pmatrix} x_t \\ x_{t-1} \end{pmatrix}, \qquad
      M_\lambda = \begin{pmatrix} 1 + \beta - \eta\lambda & -\beta \\ 1 & 0 \end{pmatrix},

    whose eigenvalues solve :math:`z^2 - a z + \beta = 0` with :math:`a = 1 + \beta - \eta\lambda`:

    .. math::

      z_\pm = \frac{a \pm \sqrt{a^2 - 4\beta}}{2}, \qquad
      \max |z_\pm| = \begin{cases}
        \sqrt{\beta} & a^2 < 4\beta \ \text{(complex pair: the ball oscillates)} \\
        \frac{|a| + \sqrt{a^2 - 4\beta}}{2} & \text{otherwise.}
      \end{cases}

    The rate is :math:`\rho = \max_{\lambda \in \{\mu, L\}} \max |z_\pm(\lambda)|`.

    Both momentum conventions of ``optim_core`` (and torch's ``SGD(momentum=β)``) are this
    iteration under a constant :math:`\eta`: the pytorch form :math:`v_t = \beta v_{t-1} + g_t,\
    w_t = w_{t-1} - \eta v_t` gives :math:`w_t - w_{t-1} = -\eta v_t = \beta (w_{t-1} - w_{t-2})
    - \eta g_t`, the heavy-ball recursion above with :math:`w_{-1} = w_0`; the classic form
    :math:`v_t = \beta v_{t-1} + \eta g_t,\ w_t = w_{t-1} - v_t` is the same with its
    :math:`v` scaled by :math:`\eta`. With :math:`\beta = 0` this is gradient descent's rate
    :math:`\max_\lambda |1 - \eta\lambda|`.

    References:
      Polyak 1964; Goh, "Why Momentum Really Works", Distill 2017 (the same :math:`2 \times 2`
      matrix, with :math:`\alpha = \eta`).
    """
    lr, beta = np.broadcast_arrays(np.asarray(lr, dtype=float), np.asarray(beta, dtype=float))
    return np.maximum(_largest_root(lr, beta, mu), _largest_root(lr, beta, L))


def gd_rate(lr: Any, mu: float, L: float) -> np.ndarray:
    r"""Gradient descent's rate :math:`\max(|1 - \eta\mu|, |1 - \eta L|)` for step ``lr``."""
    lr = np.asarray(lr, dtype=float)
    return np.maximum(np.abs(1.0 - lr * mu), np.abs(1.0 - lr * L))


def _largest_root(lr: np.ndarray, beta: np.ndarray, lam: float) -> np.ndarray:
    """The largest eigenvalue modulus of heavy ball's iteration matrix for eigenvalue ``lam``."""
    a = 1.0 + beta - lr * lam  # trace of M_λ; its determinant is β
    disc = a * a - 4.0 * beta
    real = 0.5 * (np.abs(a) + np.sqrt(np.maximum(disc, 0.0)))
    return np.where(disc < 0.0, np.sqrt(np.maximum(beta, 0.0)), real)


# --- measured rates -----------------------------------------------------------------------------


def measured_rate(
    loss: np.ndarray, f_min: float = 0.0, *, floor: float = 1e-250, window: int = 16
) -> np.ndarray:
    r"""The per-step rate :math:`\rho` read off a loss history ``(T, [B])`` of a linear method.

    On a quadratic :math:`f - f^* \propto \|w - w^*\|^2` up to the eigen-direction weights, so
    the loss shrinks like :math:`\rho^{2t}`. The rate is measured over the second half of the
    usable history, between step :math:`t_1` and the last step :math:`t_2` whose gap
    :math:`f - f^*` is finite and above ``floor`` (so runs that reach float underflow are read
    before they do):

    .. math::

      \hat\rho = \left(\frac{E(t_2)}{E(t_1)}\right)^{1 / (2 (t_2 - t_1))}, \qquad
      t_1 = \lfloor t_2 / 2 \rfloor,

    where :math:`E(t)` is the largest gap over the ``window`` steps up to :math:`t`: an
    oscillating run (complex eigenvalues) passes near zero loss every half turn, and the
    envelope ignores those dips. The first half is skipped so the faster eigen-direction has
    died out. Returns NaN for a run with fewer than two usable steps, ``inf`` for one that
    diverged before it had them.
    """
    loss = np.asarray(loss, dtype=float)
    flat = loss.reshape(len(loss), -1)
    with np.errstate(all="ignore"):
        gap = flat - f_min
        usable = np.isfinite(gap) & (gap > floor)
        log_gap = np.where(usable, np.log(np.where(usable, gap, 1.0)), -np.inf)
    # envelope: running maximum over the last `window` rows
    envelope = log_gap.copy()
    for shift in range(1, min(window, len(flat))):
        np.maximum(envelope[shift:], log_gap[:-shift], out=envelope[shift:])
    # last usable step of each run: usable steps are a prefix for a converging run
    prefix = np.cumprod(usable, axis=0).astype(bool)
    t2 = prefix.sum(axis=0) - 1
    t1 = t2 // 2
    cols = np.arange(flat.shape[1])
    with np.errstate(all="ignore"):
        rate = np.exp((envelope[t2, cols] - envelope[t1, cols]) / (2.0 * (t2 - t1)))
    rate = np.where(t2 - t1 >= 1, rate, np.nan)
    diverged = ~np.isfinite(flat).all(axis=0) & (t2 - t1 < 1)
    rate = np.where(diverged, np.inf, rate)
    return rate.reshape(loss.shape[1:])[()]
