"""Figure builders: arrays in, Plotly figure dicts out, pure and free of Streamlit.

One module per page's figures (:mod:`~ui.figures.race` for the playground,
:mod:`~ui.figures.inspector`, :mod:`~ui.figures.sweep`, :mod:`~ui.figures.train`,
:mod:`~ui.figures.learn`), and the pieces they share, each written once:
:mod:`~ui.figures.style` (each optimizer's colour and marker, the font),
:mod:`~ui.figures.encoding` (figures as dicts, arrays as typed arrays),
:mod:`~ui.figures.landscape` (the map's contour, axes, minima and the runs' paths),
:mod:`~ui.figures.player` (frames, motion and the player's controls) and
:mod:`~ui.figures.traces` (a race's animated traces and loss range).
Callers import the module they need; nothing is re-exported here.
"""
