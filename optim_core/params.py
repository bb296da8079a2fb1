"""Declarations of tunable numbers: hyperparameters and landscape parameters.

Each number the learner can set is declared once, here or beside its owner, as a
:class:`Param`. Sliders, URL state, the learn page and the tests all read these
declarations; nothing else repeats a default or a range.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np


@dataclasses.dataclass(frozen=True)
class Param:
    """A number a learner can set, with everything a slider needs.

    Attributes:
      name: keyword used in code and URLs, e.g. ``"lr"``.
      symbol: the symbol used in formulas, e.g. ``"η"``.
      default: the value used when none is given.
      low, high: the closed range a learner may choose from.
      log: whether a slider for it moves on a logarithmic scale.
      help: one line saying what the number does.
      log_one_minus: whether a slider for it moves on a logarithmic scale in ``1 − value``,
        so that β = 0.9, 0.99, 0.999 lie evenly apart: a decay rate β averages over about
        ``1 / (1 − β)`` steps, and each nine more means ten times as many.
    """

    name: str
    symbol: str
    default: float
    low: float
    high: float
    log: bool
    help: str
    log_one_minus: bool = False

    def __post_init__(self) -> None:
        if not self.low <= self.default <= self.high:
            raise ValueError(
                f"{self.name}: default {self.default} outside [{self.low}, {self.high}]"
            )
        if self.log and self.low <= 0:
            raise ValueError(f"{self.name}: a log-scaled range must be positive")
        if self.log_one_minus and (self.log or self.high >= 1):
            raise ValueError(f"{self.name}: a scale in log(1 − value) needs a range below 1")

    def with_default(self, default: float) -> Param:
        """The same declaration with another default (ranges stay shared)."""
        return dataclasses.replace(self, default=default)

    def clip(self, value: float) -> float:
        """``value`` brought into ``[low, high]``."""
        return min(max(float(value), self.low), self.high)

    def contains(self, value: float) -> bool:
        """Whether ``value`` is a finite number inside the declared range."""
        return math.isfinite(value) and self.low <= value <= self.high

    def spaced(self, n: int, span: tuple[float, float] | None = None) -> np.ndarray:
        """``n`` values evenly spaced on the slider's scale, e.g. the axis of a sweep.

        The scale is log(value), log(1 − value) or the value itself; ``span`` is the declared
        range unless given.
        """
        lo, hi = map(float, span or (self.low, self.high))
        if self.log_one_minus:
            return 1.0 - np.geomspace(1.0 - lo, 1.0 - hi, n)
        return np.geomspace(lo, hi, n) if self.log else np.linspace(lo, hi, n)


@dataclasses.dataclass(frozen=True)
class Choice:
    """A non-numeric option, e.g. Adam's bias-correction switch.

    Attributes:
      name: keyword used in code and URLs, e.g. ``"bias_correction"``.
      default: the value used when none is given.
      choices: every allowed value (``(True, False)`` for a switch).
      help: one line saying what the option does.
    """

    name: str
    default: object
    choices: tuple
    help: str

    def __post_init__(self) -> None:
        if self.default not in self.choices:
            raise ValueError(f"{self.name}: default {self.default!r} not in {self.choices!r}")


def broadcast_over_coordinates(value: Any, runs_ndim: int) -> Any:
    """``value`` ready to broadcast over parameters of shape ``(*runs, 2)``.

    One value per run (an array with ``runs_ndim`` axes, ``(B,)``) becomes a column
    ``(B, 1)``, so a batch's hyperparameter scales each run's two coordinates alike; a number
    becomes a float (cheaper in the step loop than a 0-d array); an option (a string or a
    bool), ``None``, or an array that already broadcasts is returned as it is.
    """
    if isinstance(value, str | bool | np.bool_) or value is None:
        return value
    if np.ndim(value) == 0:
        return float(value)
    value = np.asarray(value)
    return value[..., None] if value.ndim == runs_ndim else value
