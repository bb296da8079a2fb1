"""Checks shared by the tests that inspect figure JSON."""

from __future__ import annotations

import base64
import json

import numpy as np


def assert_all_finite(node, where: str = "figure") -> None:
    """No NaN or Infinity anywhere in a figure, base64 typed arrays included."""
    if isinstance(node, dict):
        if "bdata" in node:
            values = np.frombuffer(base64.b64decode(node["bdata"]), "<" + node["dtype"])
            assert np.isfinite(values).all(), f"non-finite value in a typed array at {where}"
            return
        for key, value in node.items():
            assert_all_finite(value, f"{where}.{key}")
    elif isinstance(node, list | tuple):
        for i, value in enumerate(node):
            assert_all_finite(value, f"{where}[{i}]")
    elif isinstance(node, float | np.floating):
        assert np.isfinite(node), f"{node} at {where}"


def element_figure(element) -> dict:
    """The figure a ``ui.plotly_element`` element (AppTest's ``bidi_component``) draws."""
    figure = json.loads(element.proto.json)["figure"]
    return json.loads(figure) if isinstance(figure, str) else figure
