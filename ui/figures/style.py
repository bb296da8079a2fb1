"""Each optimizer's colour and marker, and the app's font: one look in every figure."""

from __future__ import annotations

# One colour and one marker per optimizer, everywhere in the app. Okabe & Ito's
# colour-blind-safe palette first, then Paul Tol's; the marker symbol tells runs
# apart where colours alone would not.
STYLE = {
    "gd": ("#000000", "circle"),
    "momentum": ("#D55E00", "square"),
    "nesterov": ("#CC79A7", "diamond"),
    "adagrad": ("#E69F00", "triangle-up"),
    "rmsprop": ("#009E73", "triangle-down"),
    "adam": ("#0072B2", "star"),
    "amsgrad": ("#56B4E9", "pentagon"),
    "nadam": ("#882255", "hexagon"),
    "adamw": ("#999933", "cross"),
    "lion": ("#332288", "star-diamond"),
    "radam": ("#117733", "triangle-left"),
    "adamax": ("#44AA99", "triangle-right"),
    "adadelta": ("#AA4499", "x"),
    "schedule_free_sgd": ("#661100", "hourglass"),
    "schedule_free_adamw": ("#6699CC", "bowtie"),
}


FALLBACK_STYLE = ("#777777", "circle")
# The app's font and text colour (.streamlit/config.toml): the map is drawn outside
# Streamlit's chart theme, so figures say it themselves.
FONT = {"family": '"Source Sans", "Source Sans Pro", sans-serif', "size": 13, "color": "#1b2733"}


def colour(name: str) -> str:
    """The colour of optimizer ``name`` in every view."""
    return STYLE.get(name, FALLBACK_STYLE)[0]


def symbol(name: str) -> str:
    """The marker symbol of optimizer ``name`` in every view."""
    return STYLE.get(name, FALLBACK_STYLE)[1]
