"""Figures as plain dicts: arrays as plotly.js typed arrays, coordinates rounded for JSON.

Plotly's graph objects validate every frame on construction, which costs more than the whole
optimizer run on a slider move; so every builder returns a dict. Large static arrays go out as
base64 typed arrays (``{"dtype": "f4", "bdata": ...}``, read natively by plotly.js), and
:class:`DictFigure` hands a prepared dict to ``st.plotly_chart`` without validating it again.
"""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go


def typed(a: np.ndarray, dtype: str = "f4") -> dict:
    """``a`` as a plotly.js typed-array spec (compact, exact to float32)."""
    arr = np.ascontiguousarray(a, dtype="<" + dtype)
    spec = {"dtype": dtype, "bdata": base64.b64encode(arr.tobytes()).decode("ascii")}
    if arr.ndim > 1:
        spec["shape"] = ", ".join(map(str, arr.shape))
    return spec


def untyped(spec: dict) -> np.ndarray:
    """The array of a one-dimensional :func:`typed` spec."""
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<" + spec["dtype"])


class DictFigure(go.Figure):
    """A figure that hands Streamlit a prepared dict without validating it again.

    ``st.plotly_chart`` validates a dict by building a ``go.Figure`` from it; for a few
    hundred animation frames that costs ~0.2 s per rerun. A ``go.Figure`` is taken as
    already valid and only asked for ``to_dict()``, which here returns the prepared dict.
    """

    def __init__(self, spec: dict) -> None:
        super().__init__()
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec


def rounded(values) -> list[float]:
    """Coordinates for the JSON of frames: four decimals are finer than a pixel."""
    return np.round(np.asarray(values, dtype=float), 4).tolist()
