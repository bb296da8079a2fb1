r"""Learning-rate schedules: the factor that multiplies η at each step.

A schedule maps the number of steps to an array of factors, one per step::

    factors = SCHEDULES["cosine"](steps)         # shape (steps,)
    lr_at_step = lr * factors                    # the η used by step t + 1 is lr * factors[t]

Factor ``t`` is the one torch's ``torch.optim.lr_scheduler`` gives after ``t`` calls of
``scheduler.step()``, i.e. for the ``t``-th call of ``optimizer.step()`` counted from 0; the
tests check each schedule against its torch scheduler.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import numpy as np

from optim_core.params import Param


@dataclasses.dataclass(frozen=True)
class Schedule:
    r"""A learning-rate schedule and the values of its parameters.

    Attributes:
      name: key in :data:`SCHEDULES`, e.g. ``"step"``.
      label: name shown to learners.
      latex: the factor :math:`s_t` as a formula (the learning rate at step t is
        :math:`\eta\, s_t`), for ``st.latex``.
      params: the schedule's own sliders.
      values: the current value of each parameter.
      factor: ``factor(t, steps, **values)`` — the vectorised formula for :math:`s_t`.
      reference: the torch scheduler it reproduces.
    """

    name: str
    label: str
    latex: str
    params: tuple[Param, ...]
    values: MappingProxyType
    factor: Callable[..., np.ndarray]
    reference: str

    def __call__(self, steps: int) -> np.ndarray:
        """The factor for each of ``steps`` steps, shape ``(steps,)``."""
        t = np.arange(steps, dtype=float)
        return np.broadcast_to(self.factor(t, steps, **self.values), (steps,)).astype(float)

    def with_params(self, **values: float) -> Schedule:
        """The same schedule with other parameter values.

        Raises:
          ValueError: for an unknown parameter or a value outside its declared range.
        """
        declared = {p.name: p for p in self.params}
        for name, value in values.items():
            if name not in declared:
                known = ", ".join(declared) or "none"
                raise ValueError(f"{self.label} has no parameter {name!r} (it has: {known})")
            if not declared[name].contains(float(value)):
                p = declared[name]
                raise ValueError(f"{name} = {value} is outside [{p.low}, {p.high}]")
        merged = dict(self.values) | {k: float(v) for k, v in values.items()}
        return dataclasses.replace(self, values=MappingProxyType(merged))


def _constant(t: np.ndarray, steps: int) -> np.ndarray:
    return np.ones_like(t)


def _step(t: np.ndarray, steps: int, *, gamma: float, every: float) -> np.ndarray:
    return gamma ** np.floor(t / every)  # torch.optim.lr_scheduler.StepLR


def _exponential(t: np.ndarray, steps: int, *, gamma: float) -> np.ndarray:
    return gamma**t  # ExponentialLR


def _cosine(t: np.ndarray, steps: int, *, floor: float) -> np.ndarray:
    return floor + (1 - floor) * (1 + np.cos(np.pi * t / steps)) / 2  # CosineAnnealingLR


def _warmup_cosine(
    t: np.ndarray, steps: int, *, warmup: float, start: float, floor: float
) -> np.ndarray:
    warmup = min(int(warmup), steps)
    ramp = start + (1 - start) * t / max(warmup, 1)  # LinearLR(start, 1.0, warmup)
    decay = _cosine(t - warmup, max(steps - warmup, 1), floor=floor)  # then CosineAnnealingLR
    return np.where(t < warmup, ramp, decay)


_GAMMA = Param("gamma", "γ", 0.5, 0.01, 1.0, False, "factor applied to η at each decay")
_FLOOR = Param("floor", "s_min", 0.0, 0.0, 1.0, False, "the fraction of η left at the end")


def _schedule(
    name: str,
    label: str,
    latex: str,
    factor: Callable[..., np.ndarray],
    reference: str,
    params: tuple[Param, ...] = (),
) -> Schedule:
    values = MappingProxyType({p.name: p.default for p in params})
    return Schedule(name, label, latex, params, values, factor, reference)


SCHEDULES: dict[str, Schedule] = {
    s.name: s
    for s in (
        _schedule(
            "constant",
            "Constant",
            r"s_t = 1",
            _constant,
            "torch.optim.lr_scheduler.ConstantLR(factor=1)",
        ),
        _schedule(
            "step",
            "Step decay",
            r"s_t = \gamma^{\lfloor t / k \rfloor}",
            _step,
            "torch.optim.lr_scheduler.StepLR(step_size=k, gamma=γ)",
            (
                _GAMMA,
                Param("every", "k", 100, 1, 10_000, True, "decay η once every k steps"),
            ),
        ),
        _schedule(
            "exponential",
            "Exponential decay",
            r"s_t = \gamma^t",
            _exponential,
            "torch.optim.lr_scheduler.ExponentialLR(gamma=γ)",
            (_GAMMA.with_default(0.995),),
        ),
        _schedule(
            "cosine",
            "Cosine",
            r"s_t = s_{\min} + (1 - s_{\min})\,\tfrac12\left(1 + \cos\tfrac{\pi t}{T}\right)",
            _cosine,
            "torch.optim.lr_scheduler.CosineAnnealingLR(T_max=T, eta_min=s_min·η)",
            (_FLOOR,),
        ),
        _schedule(
            "warmup_cosine",
            "Linear warm-up + cosine",
            r"s_t = \begin{cases} s_0 + (1 - s_0)\, t / W & t < W \\"
            r" s_{\min} + (1 - s_{\min})\,\tfrac12\left(1 + \cos\tfrac{\pi (t - W)}{T - W}\right)"
            r" & t \ge W \end{cases}",
            _warmup_cosine,
            "SequentialLR([LinearLR(start_factor=s_0, total_iters=W), "
            "CosineAnnealingLR(T_max=T−W, eta_min=s_min·η)], milestones=[W])",
            (
                Param("warmup", "W", 50, 0, 10_000, False, "steps spent ramping η up"),
                Param("start", "s_0", 0.01, 0.001, 1.0, True, "fraction of η at the first step"),
                _FLOOR,
            ),
        ),
    )
}
"""Every schedule, by name, at its default parameters. T is the number of steps of the run."""


def resolve_schedule(
    schedule: Schedule | str | Callable[[int], Any] | None,
) -> Callable[[int], Any]:
    """A callable ``steps -> factors`` from a schedule, its name, or ``None`` (constant)."""
    if schedule is None:
        return SCHEDULES["constant"]
    if isinstance(schedule, str):
        if schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {schedule!r}; choose from {', '.join(SCHEDULES)}")
        return SCHEDULES[schedule]
    return schedule
