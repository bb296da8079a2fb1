"""Declarations of tunable numbers: hyperparameters and landscape parameters.

Each number the learner can set is declared once, here or beside its owner, as a
:class:`Param`. Sliders, URL state, the learn page and the tests all read these
declarations; nothing else repeats a default or a range.
"""

from __future__ import annotations

import dataclasses
import math


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
    """

    name: str
    symbol: str
    default: float
    low: float
    high: float
    log: bool
    help: str

    def __post_init__(self) -> None:
        if not self.low <= self.default <= self.high:
            raise ValueError(
                f"{self.name}: default {self.default} outside [{self.low}, {self.high}]"
            )
        if self.log and self.low <= 0:
            raise ValueError(f"{self.name}: a log-scaled range must be positive")

    def with_default(self, default: float) -> Param:
        """The same declaration with another default (ranges stay shared)."""
        return dataclasses.replace(self, default=default)

    def clip(self, value: float) -> float:
        """``value`` brought into ``[low, high]``."""
        return min(max(float(value), self.low), self.high)

    def contains(self, value: float) -> bool:
        """Whether ``value`` is a finite number inside the declared range."""
        return math.isfinite(value) and self.low <= value <= self.high


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
