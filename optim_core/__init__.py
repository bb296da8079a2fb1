"""optim_core: gradient-descent optimizers, landscapes and runs, in pure NumPy.

The public names; everything else is an implementation detail of its module.
"""

from optim_core.expression import ExpressionError, parse_function
from optim_core.landscapes import LANDSCAPES, Landscape
from optim_core.optimizers import HYPERPARAMS, OPTIMIZERS, OptimizerSpec, Properties
from optim_core.params import Choice, Param
from optim_core.run import (
    Trajectory,
    distance_to_minimum,
    final_loss,
    run,
    steps_to_tolerance,
)
from optim_core.schedules import SCHEDULES, Schedule

__all__ = [
    "HYPERPARAMS",
    "LANDSCAPES",
    "OPTIMIZERS",
    "SCHEDULES",
    "Choice",
    "ExpressionError",
    "Landscape",
    "OptimizerSpec",
    "Param",
    "Properties",
    "Schedule",
    "Trajectory",
    "distance_to_minimum",
    "final_loss",
    "parse_function",
    "run",
    "steps_to_tolerance",
]
