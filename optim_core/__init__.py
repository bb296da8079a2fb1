"""optim_core: gradient-descent optimizers, landscapes and runs, in pure NumPy.

The public names; everything else is an implementation detail of its module.
"""

from optim_core.expression import ExpressionError, parse_function
from optim_core.landscapes import LANDSCAPES, Landscape
from optim_core.loss_plane import LossPlane, loss_plane
from optim_core.optimizers import HYPERPARAMS, OPTIMIZERS, OptimizerSpec, Properties
from optim_core.params import Choice, Param
from optim_core.run import (
    Trajectory,
    distance_to_minimum,
    final_loss,
    run,
    steps_to_tolerance,
    tune_learning_rate,
)
from optim_core.schedules import SCHEDULES, Schedule
from optim_core.theory import (
    Optimum,
    gd_optimum,
    gd_rate,
    heavy_ball_optimum,
    measured_rate,
    momentum_rate,
)
from optim_core.training import DATASETS, MODELS, TrainResult, train

__all__ = [
    "DATASETS",
    "HYPERPARAMS",
    "MODELS",
    "LANDSCAPES",
    "OPTIMIZERS",
    "SCHEDULES",
    "Choice",
    "ExpressionError",
    "Landscape",
    "LossPlane",
    "Optimum",
    "OptimizerSpec",
    "Param",
    "Properties",
    "Schedule",
    "Trajectory",
    "TrainResult",
    "distance_to_minimum",
    "final_loss",
    "gd_optimum",
    "gd_rate",
    "heavy_ball_optimum",
    "loss_plane",
    "measured_rate",
    "momentum_rate",
    "parse_function",
    "run",
    "train",
    "tune_learning_rate",
    "steps_to_tolerance",
]
