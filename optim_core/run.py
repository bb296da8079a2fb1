"""Running an optimizer on a landscape: trajectories, sweeps, divergence and metrics.

:func:`run` takes one start point or a batch of ``B`` runs (a start per run, or one value per run
for any hyperparameter) and steps them all together: the only Python loop is over time. A sweep
over 40,000 settings is one call.

Conventions, for a trajectory of ``steps`` steps (``T = steps + 1`` recorded iterates):

- ``params[t]`` is the iterate after ``t`` updates; ``grads[t]`` the (noisy) gradient the
  next update uses, taken at ``spec.gradient_point(state, params[t])``: the iterate itself for
  every rule but schedule-free's, which takes it at the ``y`` of its state; ``loss[t] =
  f(params[t])``.
- ``lr[t]`` is the learning rate of the update from ``params[t]`` to ``params[t + 1]``, the value
  torch's schedulers give after ``t`` calls of ``scheduler.step()``.
- ``state[key][t]`` is the optimizer's state after ``t`` updates, and ``state["update"][t]``
  and ``state["step_size"][t]`` describe the update that produced ``params[t]`` (so row 0 is NaN).
- A run diverges at the first ``t`` where ``params[t]`` is not finite, leaves the box
  ``|w| <= bound``, or has a non-finite loss. From that row on its entries are NaN.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal, Protocol

import numpy as np

from optim_core.optimizers import OPTIMIZERS, OptimizerSpec
from optim_core.params import broadcast_over_coordinates
from optim_core.schedules import Schedule, resolve_schedule

_CHECK_EVERY = 64  # steps between checks whether every run has diverged (then stop early)


class SupportsLandscape(Protocol):
    """What :func:`run` needs from a landscape (``optim_core.landscapes.Landscape`` has it);
    a single run also takes its ``gradxy`` where it has one."""

    def f(self, xy: np.ndarray) -> np.ndarray: ...

    def grad(self, xy: np.ndarray) -> np.ndarray: ...


@dataclasses.dataclass(frozen=True, eq=False)
class Trajectory:
    """What :func:`run` returns. ``[B]`` axes exist only for a batched run.

    Attributes:
      optimizer: the optimizer's name.
      landscape: the landscape's name.
      params: ``(T, [B,] 2)`` iterates; ``(1, [B,] 2)``, the final one, if ``history="loss"``.
      loss: ``(T, [B])`` loss at each iterate (always the whole history).
      grads: ``(T, [B,] 2)`` gradient used at each iterate (``(1, ...)`` if ``history="loss"``).
      lr: ``(steps,)``, or ``(steps, B)`` for per-run learning rates.
      recorded: ``{key: (T, [B,] 2)}`` what the rule computed at each step, to explain it
        (``(1, ...)`` if ``history="loss"``): its state (``velocity``, ``m``, ``v``,
        ``v_max``, ``u``, ``z`` …) and what it derives from it (``m_hat``, ``v_hat``,
        ``step_size``, the ``update`` taken, the point ``y`` where the gradient is taken) —
        whichever the optimizer has.
      diverged_at: first diverged row; ``None`` if a single run did not diverge, ``-1`` for
        each run of a batch that did not.
      f_min: the landscape's minimum value, for "loss above the minimum" plots and tolerances
        (NaN for a landscape without one).
      hyperparams: the values used, defaults included (scalars or ``(B,)`` arrays) and options.
      history: ``"full"`` or ``"loss"``.
    """

    optimizer: str
    landscape: str
    params: np.ndarray
    loss: np.ndarray
    grads: np.ndarray
    lr: np.ndarray
    recorded: dict[str, np.ndarray]
    diverged_at: int | None | np.ndarray
    f_min: float
    hyperparams: dict[str, Any]
    history: str

    @property
    def batched(self) -> bool:
        """Whether this holds a batch of runs."""
        return self.loss.ndim == 2

    @property
    def steps(self) -> int:
        """Number of updates asked for."""
        return len(self.lr)


def run(
    optimizer: str | OptimizerSpec,
    landscape: str | SupportsLandscape,
    start: Any,
    steps: int,
    *,
    noise: Any = 0.0,
    seed: int = 0,
    schedule: Schedule | str | Callable[[int], Any] | None = None,
    history: Literal["full", "loss"] = "full",
    bound: float = 1e6,
    **hyperparams: Any,
) -> Trajectory:
    """Run ``optimizer`` on ``landscape`` for ``steps`` steps from ``start``.

    Args:
      optimizer: a name in :data:`~optim_core.optimizers.OPTIMIZERS` or a spec.
      landscape: a name in ``LANDSCAPES`` or any object with ``f`` and ``grad``.
      start: ``(2,)``, or ``(B, 2)`` for one start per run.
      steps: number of updates.
      noise: standard deviation σ of Gaussian noise added to every gradient (scalar or
        ``(B,)``), the stand-in for mini-batch gradients. Independent between runs and steps.
      seed: seed of the noise; the same seed gives the same noise.
      schedule: learning-rate schedule (a :class:`~optim_core.schedules.Schedule`, its name, or
        any ``steps -> factors`` callable); ``None`` keeps η constant.
      history: ``"full"`` records everything; ``"loss"`` records only the loss over time and the
        final iterate, gradient and state (for sweeps over many runs).
      bound: a run whose iterate leaves ``|w| <= bound`` has diverged.
      **hyperparams: the optimizer's hyperparameters (scalars or ``(B,)``) and options; missing
        ones take their declared defaults.

    Raises:
      TypeError: for a keyword the optimizer does not have.
      ValueError: for an unknown name, a bad shape, or an option value not offered.
    """
    spec = _optimizer(optimizer)
    land = _landscape(landscape)
    if history not in ("full", "loss"):
        raise ValueError(f"history must be 'full' or 'loss', not {history!r}")
    if int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, not {steps!r}")
    steps = int(steps)
    settings = _settings(spec, hyperparams)
    start = np.asarray(start, dtype=float)
    batch = _batch_size(start, {**settings, "noise": noise})
    shape = (2,) if batch is None else (batch, 2)
    if start.shape not in ((2,), shape):
        raise ValueError(f"start must have shape (2,) or (B, 2), not {start.shape}")

    factors = np.asarray(resolve_schedule(schedule)(steps), dtype=float)
    lr = (
        factors * settings["lr"]
        if np.ndim(settings["lr"]) == 0
        else np.outer(factors, settings["lr"])
    )
    runs_ndim = 0 if batch is None else 1
    per_run = {
        k: broadcast_over_coordinates(v, runs_ndim) for k, v in settings.items() if k != "lr"
    }
    if np.any(np.asarray(noise) < 0):
        raise ValueError("noise is a standard deviation: it must be >= 0")
    sigma = broadcast_over_coordinates(noise, runs_ndim) if np.any(np.asarray(noise) > 0) else None
    # the column layout keeps x and y contiguous, and a (B, 1) value per run broadcasts cheaply
    w0 = np.array(np.broadcast_to(start, shape), order="F")
    rng = np.random.default_rng(seed)
    params, loss, grads, state, updates, t = _LOOPS[history](
        spec, land, w0, steps, lr, per_run, sigma, rng, bound
    )
    recorded = _explained(spec, state, updates, t, lr, per_run)
    diverged_at = _diverged_at(loss)
    _mask_after(diverged_at, loss, params, grads, *recorded.values(), t=t)
    if batch is None:
        diverged_at = None if diverged_at[()] < 0 else int(diverged_at)
    return Trajectory(
        optimizer=spec.name,
        landscape=getattr(land, "name", "custom"),
        params=params,
        loss=loss,
        grads=grads,
        lr=lr,
        recorded=recorded,
        diverged_at=diverged_at,
        f_min=_f_min(land),
        hyperparams=settings,
        history=history,
    )


def _full_history(spec, land, w, steps, lr, per_run, sigma, rng, bound):
    """The loop that records every iterate, gradient and state."""
    if w.ndim == 1 and spec.elementwise and getattr(land, "gradxy", None) is not None:
        return _one_run_history(spec, land, w, steps, lr, per_run, sigma, rng, bound)
    lr_at = _lr_per_step(lr)
    state = spec.init(w)
    grad, update = _gradient(land, w, sigma, rng), _rule(spec)
    params, grads, states, updates = [w], [], [state], [np.full(w.shape, np.nan)]
    with np.errstate(all="ignore"):
        for t in range(steps + 1):
            g = grad(spec.gradient_point(state, w))
            grads.append(g)
            if t == steps or (t % _CHECK_EVERY == 0 and _all_diverged(w, bound)):
                break
            u, state = update(g, state, w, lr=lr_at[t], **per_run)
            w = w + u
            params.append(w), states.append(state), updates.append(u)
    return _recorded(
        land, steps, bound, params, grads, type(state), zip(*states, strict=True), updates
    )


def _one_run_history(spec, land, w, steps, lr, per_run, sigma, rng, bound):
    """:func:`_full_history` for a single run of an elementwise rule, the sliders' path: x
    and y step apart, each as NumPy scalars, whose arithmetic skips the ufunc machinery even
    a 2-vector goes through (the default race's four runs: 5.9 → 4.0 ms). The same operations
    on the same numbers: the 2-vector's bits (tests/test_run.py)."""
    lr_at = _lr_per_step(lr)
    start = spec.init(w)
    apart = [np.shape(field) == w.shape for field in start]  # the others: one per run
    sx, sy = (
        type(start)(*(f[i] if a else f for f, a in zip(start, apart, strict=True))) for i in (0, 1)
    )
    point, update, gradxy = spec.gradient_point, _rule(spec), land.gradxy
    x, y = w
    params, grads, states, updates = [(x, y)], [], [(sx, sy)], [(np.nan, np.nan)]
    with np.errstate(all="ignore"):
        for t in range(steps + 1):
            gx, gy = gradxy(point(sx, x), point(sy, y))
            if sigma is not None:  # the noise the 2-vector's loop draws, in its order
                nx, ny = rng.standard_normal(2)
                gx, gy = gx + sigma * nx, gy + sigma * ny
            grads.append((gx, gy))
            if t == steps or (t % _CHECK_EVERY == 0 and not (abs(x) <= bound and abs(y) <= bound)):
                break
            ux, sx = update(gx, sx, x, lr=lr_at[t], **per_run)
            uy, sy = update(gy, sy, y, lr=lr_at[t], **per_run)
            x, y = x + ux, y + uy
            params.append((x, y)), states.append((sx, sy)), updates.append((ux, uy))
    fields = (
        [(on_x[k], on_y[k]) if a else on_x[k] for on_x, on_y in states] for k, a in enumerate(apart)
    )
    return _recorded(land, steps, bound, params, grads, type(start), fields, updates)


def _recorded(land, steps, bound, params, grads, state_type, fields, updates):
    """The loops' rows as arrays of ``steps + 1`` rows (NaN after an early stop), the loss at
    each iterate, and the state's fields (``fields``: each one's rows) as ``state_type``."""
    T = steps + 1
    params = _stacked(params, T)
    with np.errstate(all="ignore"):
        loss = land.f(params)
        loss[~_within(params, bound)] = np.nan
    state = state_type(*(_stacked(rows, T) for rows in fields))
    return params, loss, _stacked(grads, T), state, _stacked(updates, T), np.arange(T)


def _stacked(rows: Any, T: int) -> np.ndarray:
    """``rows`` stacked along a new first axis, with NaN rows after them up to ``T`` rows."""
    out = np.full((T, *np.shape(rows[0])), np.nan)
    out[: len(rows)] = rows
    return out


def _loss_history(spec, land, w, steps, lr, per_run, sigma, rng, bound):
    """The loop for sweeps: only the loss over time is kept, besides the final values."""
    loss = np.empty((steps + 1, *w.shape[:-1]))
    lr_at = _lr_per_step(lr)
    state = spec.init(w)
    grad, update = _gradient(land, w, sigma, rng), _rule(spec)
    u = np.full(w.shape, np.nan)
    with np.errstate(all="ignore"):
        for t in range(steps + 1):
            loss[t] = np.where(_within(w, bound), land.f(w), np.nan)
            g = grad(spec.gradient_point(state, w))
            if t == steps:
                break
            if t % _CHECK_EVERY == 0 and _all_diverged(w, bound):
                loss[t:] = np.nan
                break
            u, state = update(g, state, w, lr=lr_at[t], **per_run)
            w += u  # w is this loop's own copy
    final = type(state)(*(np.asarray(value)[None] for value in state))
    return w[None], loss, g[None], final, u[None], np.array([steps])


_LOOPS = {"full": _full_history, "loss": _loss_history}


def _rule(spec: OptimizerSpec) -> Callable[..., Any]:
    """``spec.update`` without the wrapper that broadcasts per-run hyperparameters: run()
    has broadcast them once (``per_run``), and the wrapper's call at every step cost a single
    run 7 % of its time."""
    return getattr(spec.update, "rule", spec.update)


def _lr_per_step(lr: np.ndarray) -> Any:
    """Index ``t`` gives step ``t``'s learning rate: a ``(B, 1)`` column per run, else a float."""
    return lr[..., None] if lr.ndim == 2 else lr.tolist()  # floats multiply arrays fastest


def _gradient(land, w, sigma, rng) -> Callable[[np.ndarray], np.ndarray]:
    """``grad(w)``: the landscape's gradient in ``w``'s memory layout, plus noise of standard
    deviation ``sigma`` (``None`` for none)."""

    def grad(w: np.ndarray) -> np.ndarray:
        g = land.grad(w)
        if w.ndim > 1 and not g.flags.f_contiguous:
            g = np.asfortranarray(g)  # mixing memory layouts makes later operations ~5x slower
        if sigma is not None:
            g = g + sigma * rng.standard_normal(w.shape[::-1]).T  # drawn in w's column layout
        return g

    return grad


def _explained(spec, state, updates, t, lr, per_run) -> dict[str, np.ndarray]:
    """The recorded state (rows ``t``) plus what explains each step, shaped ``(rows, [B,] 2)``."""

    def over_time(
        v: np.ndarray,
    ) -> np.ndarray:  # (rows,) -> (rows, [1,] 1), (rows, B) -> (rows, B, 1)
        return np.reshape(v, v.shape + (1,) * (updates.ndim - v.ndim))

    state = type(state)(*(over_time(np.asarray(v)) for v in state))
    lr_before = np.concatenate([np.full((1, *lr.shape[1:]), np.nan), lr])[t]  # lr[t - 1]
    with np.errstate(all="ignore"):
        explained = spec.explain(state, lr=over_time(lr_before), **per_run)
    kept = {k: v for k, v in state._asdict().items() if np.shape(v) == updates.shape}
    kept |= {k: np.broadcast_to(v, updates.shape).copy() for k, v in explained.items()}
    return kept | {"update": updates}


def _within(params: np.ndarray, bound: float) -> np.ndarray:
    """Whether each iterate is finite and inside the box ``|w| <= bound`` (NaN is not)."""
    return np.all(np.abs(params) <= bound, axis=-1)


def _all_diverged(w: np.ndarray, bound: float) -> bool:
    return not _within(w, bound).any()


def _diverged_at(loss: np.ndarray) -> np.ndarray:
    """First row with a non-finite loss for each run, ``-1`` for none."""
    bad = ~np.isfinite(loss)
    return np.where(bad.any(axis=0), bad.argmax(axis=0), -1)


def _mask_after(diverged_at: np.ndarray, *arrays: np.ndarray, t: np.ndarray) -> None:
    """Set NaN in every row of ``arrays`` from a run's divergence on (rows numbered by ``t``).

    ``loss`` (the first array) always has every row; the others have rows ``t``.
    """
    if not (diverged_at >= 0).any():
        return
    stop = np.where(diverged_at < 0, np.iinfo(np.int64).max, diverged_at)
    loss, *rest = arrays
    loss[np.arange(len(loss)).reshape(-1, *([1] * stop.ndim)) >= stop] = np.nan
    after = t.reshape(-1, *([1] * stop.ndim)) >= stop
    for array in rest:
        array[after] = np.nan


def _optimizer(optimizer: str | OptimizerSpec) -> OptimizerSpec:
    if not isinstance(optimizer, str):
        return optimizer
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[optimizer]


def _f_min(land: SupportsLandscape) -> float:
    """The landscape's minimum value; NaN where it has none (a saddle)."""
    f_min = getattr(land, "f_min", 0.0)
    return np.nan if f_min is None else float(f_min)


def _landscape(landscape: str | SupportsLandscape) -> SupportsLandscape:
    if not isinstance(landscape, str):
        return landscape
    from optim_core.landscapes import LANDSCAPES

    if landscape not in LANDSCAPES:
        raise ValueError(f"unknown landscape {landscape!r}; choose from {', '.join(LANDSCAPES)}")
    return LANDSCAPES[landscape]


def _settings(spec: OptimizerSpec, given: dict[str, Any]) -> dict[str, Any]:
    """Every hyperparameter and option of ``spec``: ``given`` ones, defaults for the rest."""
    settings = spec.defaults()
    unknown = sorted(set(given) - set(settings))
    if unknown:
        raise TypeError(
            f"{spec.name} got unexpected keyword(s) {', '.join(unknown)}; "
            f"it takes {', '.join(settings)}"
        )
    for choice in spec.options:
        if choice.name in given and given[choice.name] not in choice.choices:
            raise ValueError(
                f"{choice.name} must be one of {choice.choices}, not {given[choice.name]!r}"
            )
    numeric = {p.name for p in spec.hyperparams}
    return settings | {
        k: (np.asarray(v, dtype=float) if np.ndim(v) else float(v)) if k in numeric else v
        for k, v in given.items()
    }


def _batch_size(start: np.ndarray, values: dict[str, Any]) -> int | None:
    """``B`` if ``start`` or any value has one entry per run, ``None`` for a single run."""
    sizes = {start.shape[0]} if start.ndim == 2 else set()
    for name, value in values.items():
        if isinstance(value, str | bool) or np.ndim(value) == 0:
            continue
        if np.ndim(value) != 1:
            raise ValueError(f"{name} must be a scalar or have shape (B,), not {np.shape(value)}")
        sizes.add(len(value))
    if len(sizes) > 1:
        raise ValueError(f"runs disagree on the batch size: {sorted(sizes)}")
    return sizes.pop() if sizes else None


# --- metrics --------------------------------------------------------------------------------


def steps_to_tolerance(traj: Trajectory, tol: float) -> int | None | np.ndarray:
    """First step at which ``loss - f_min <= tol``; ``None`` (single) or ``-1`` (batch) if never."""
    with np.errstate(invalid="ignore"):
        reached = traj.loss - traj.f_min <= tol  # NaN after divergence never counts
    first = np.where(reached.any(axis=0), reached.argmax(axis=0), -1)
    if traj.batched:
        return first
    return None if first < 0 else int(first)


def distance_to_minimum(traj: Trajectory, landscape: Any) -> float | np.ndarray:
    """Distance from the final iterate to the nearest known minimum of ``landscape``.

    NaN for a diverged run, or for a landscape with no known minimum.
    """
    minima = np.asarray(_landscape(landscape).minima, dtype=float).reshape(-1, 2)
    final = traj.params[-1]
    if len(minima) == 0:
        return np.full(final.shape[:-1], np.nan)[()]
    distances = np.linalg.norm(final[..., None, :] - minima, axis=-1)  # ([B,] k)
    return distances.min(axis=-1)[()]


def final_loss(traj: Trajectory) -> float | np.ndarray:
    """The loss at the final iterate, NaN for a diverged run."""
    return traj.loss[-1][()]


def tune_learning_rate(
    optimizer: str | OptimizerSpec,
    landscape: str | SupportsLandscape,
    start: Any,
    steps: int,
    candidates: Any,
    **settings: Any,
) -> tuple[float | None, np.ndarray]:
    """The learning rate among ``candidates`` that ends lowest after ``steps`` steps.

    A fair race gives each optimizer its best η for the budget, not one shared η. All
    candidates run as one batch (``history="loss"``); ``settings`` are the other
    hyperparameters and :func:`run`'s keywords. Returns the best η (``None`` when every
    candidate diverged) and the final loss of each candidate (NaN where it diverged).
    """
    lrs = np.asarray(candidates, dtype=float)
    traj = run(optimizer, landscape, start, steps, history="loss", **{**settings, "lr": lrs})
    final = traj.loss[-1]
    if not np.isfinite(final).any():
        return None, final
    return float(lrs[np.nanargmin(final)]), final
