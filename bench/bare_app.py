"""The baseline for bench_latency.py: one slider, one picker and one 10-point Plotly line.

The slider, the picker and the chart carry the playground's keys (``hp_gd_lr``,
``landscape``, ``map``) so the same measuring code drives both apps.
"""

import streamlit as st

# 71 values log-spaced from 1e-4 to 10, as many as the playground's learning-rate slider
# has over the same span: the benchmark's moves run out on neither.
LEARNING_RATES = [round(10 ** (k / 14), 6) for k in range(-56, 15)]
# As many choices as the playground's landscape picker offers before "Custom f(x, y)…".
CURVES = [f"curve {k}" for k in range(1, 11)]
STEPS = list(range(10))

lr = st.select_slider("η", options=LEARNING_RATES, value=0.1, key="hp_gd_lr")
curve = st.selectbox("curve", CURVES, key="landscape")
# Loss of gradient descent on f(x) = c·x²: the curve's shape, not only its scale, follows
# η and the picked curve c.
c = CURVES.index(curve) + 1
loss = [(1 - lr * c) ** (2 * k) for k in STEPS]
st.plotly_chart(
    {"data": [{"type": "scatter", "x": STEPS, "y": loss}], "layout": {"yaxis": {"range": [0, 1]}}},
    key="map",
)
