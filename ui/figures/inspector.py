"""The inspector's figures: the map at step k with its arrows, and the stacked time series."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from ui.figures.encoding import rounded
from ui.figures.landscape import contour_image, map_axes, minima_trace
from ui.figures.style import FONT, colour

# The inspector's arrows: colour-blind-safe (Paul Tol's) colours that no optimizer wears, so
# every optimizer keeps its own colour on this page too.
ARROW_COLOURS = {"gradient": "#CC6677", "momentum": "#DDAA33", "step": "#555555"}
SETTING_B_COLOUR = "#777777"  # setting B in the A/B comparison, drawn dashed
SERIES_POINTS = 400  # at most this many points per time series
CONVENTION_COLOUR = "#AA3377"  # momentum's other convention (Paul Tol's purple)


def _length(vector: np.ndarray) -> float:
    """Euclidean length without overflow for huge components (``hypot`` rescales)."""
    return float(np.hypot(*np.asarray(vector, dtype=float)[:2]))


def inspected_colour(name: str) -> str:
    """The optimizer's colour on the inspector's map: its colour everywhere else."""
    assert colour(name) not in ARROW_COLOURS.values()
    return colour(name)


@dataclasses.dataclass(frozen=True)
class InspectedRun:
    """One run on the inspector's map.

    Attributes:
      label: legend text; colour, dash: how its path is drawn.
      xy: ``(n, 2)`` finite iterates (cut where the run diverged).
    """

    label: str
    xy: np.ndarray
    colour: str
    dash: str = "solid"


@dataclasses.dataclass(frozen=True)
class MapArrow:
    """A vector drawn from ``origin``; ``kind`` is a key of :data:`ARROW_COLOURS`."""

    kind: str
    label: str
    origin: np.ndarray
    vector: np.ndarray
    dash: str = "solid"


@dataclasses.dataclass(frozen=True)
class MapPoint:
    """A point the rule keeps (schedule-free's y, z), drawn at step k as a small marker;
    ``name`` is its letter, ``meaning`` what it is."""

    name: str
    meaning: str
    xy: np.ndarray
    colour: str


# A kept point's marker, by its place in the rule's declaration: small filled shapes, and an
# open ring (drawn around the run's own marker, as the rule's x is that marker) for the third.
POINT_SYMBOLS = ("diamond", "square", "circle-open", "triangle-up", "pentagon")


def nice_scale(longest: float, span: float, share: float = 0.3) -> float:
    """A round factor (1, 2 or 5 × 10ⁿ) that draws a vector of length ``longest`` at about
    ``share`` of ``span``; 1 for a zero or non-finite length."""
    if not (np.isfinite(longest) and longest > 0 and np.isfinite(span) and span > 0):
        return 1.0
    raw = share * span / longest
    exponent = np.floor(np.log10(raw))
    mantissa = raw / 10**exponent
    step = 5.0 if mantissa >= 5 else 2.0 if mantissa >= 2 else 1.0
    return float(step * 10**exponent)


def inspector_map(
    contour: str,
    window,
    minima: np.ndarray,
    runs: Sequence[InspectedRun],
    k: int,
    arrows: Sequence[MapArrow],
    *,
    scale: float | None = None,
    height: int = 520,
    points: Sequence[MapPoint] = (),
) -> dict:
    """The map at step ``k``: contour, each run's whole path (faint) and its path up to ``k``
    (bold) with a marker at ``k``, the arrows of step ``k``, and the ``points`` the rule keeps
    besides its iterate, each a small marker whose legend entry says what it is.

    Every arrow is drawn at the one factor ``scale`` (said in its legend entry), even one too
    short to see, so lengths compare within the map and, when the caller keeps ``scale``
    fixed, from one map to the next. Without ``scale`` the longest arrow sets it
    (:func:`nice_scale`)."""
    (xlo, xhi), (ylo, yhi) = window
    data: list[dict] = [minima_trace(minima)] if len(minima) else []
    for i, run in enumerate(runs):
        data += _run_traces(i, run, k)
    finite = [a for a in arrows if np.all(np.isfinite(a.vector)) and np.all(np.isfinite(a.origin))]
    if scale is None:
        longest = max((_length(a.vector) for a in finite), default=0.0)
        scale = nice_scale(longest, min(xhi - xlo, yhi - ylo))
    data += [_arrow_trace(a, scale) for a in sorted(finite, key=lambda a: -_length(a.vector))]
    data += [_point_trace(p, POINT_SYMBOLS[i % len(POINT_SYMBOLS)]) for i, p in enumerate(points)]
    layout = {
        "images": [contour_image(contour, window)],
        "height": height,
        "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
        "hovermode": "closest",
        "uirevision": "inspector",
        "plot_bgcolor": "white",
        "font": FONT,
        "legend": {"orientation": "h", "x": 0, "y": -0.14, "yanchor": "top"},
        **map_axes(window),
    }
    return {"data": data, "layout": layout}


def _run_traces(i: int, run: InspectedRun, k: int) -> list[dict]:
    """Run ``i``'s whole path (faint), its path up to step ``k`` (bold) and its marker at ``k``."""
    so_far = run.xy[: k + 1]
    common = {"type": "scatter", "legendgroup": f"run{i}", "hoverinfo": "skip"}
    whole = {
        **common,
        "meta": f"inspect-path-{i}",
        "name": run.label,
        "showlegend": False,
        "x": rounded(run.xy[:, 0]),
        "y": rounded(run.xy[:, 1]),
        "mode": "lines",
        "line": {"color": run.colour, "width": 1, "dash": run.dash},
        "opacity": 0.35,
    }
    bold = {
        **common,
        "meta": f"inspect-sofar-{i}",
        "name": run.label,
        "x": rounded(so_far[:, 0]),
        "y": rounded(so_far[:, 1]),
        "mode": "lines+markers" if len(so_far) <= 60 else "lines",
        "line": {"color": run.colour, "width": 2.5, "dash": run.dash},
        "marker": {"size": 4, "color": run.colour},
    }
    marker = {
        **common,
        "meta": f"inspect-marker-{i}",
        "name": run.label,
        "showlegend": False,
        "x": rounded(so_far[-1:, 0]),
        "y": rounded(so_far[-1:, 1]),
        "mode": "markers",
        "marker": {
            "color": run.colour,
            "size": 12,
            "symbol": "circle-open" if run.dash != "solid" else "circle",
            "line": {"width": 2, "color": run.colour if run.dash != "solid" else "white"},
        },
        "hovertemplate": f"{run.label}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
        "hoverinfo": "all",
    }
    return [whole, bold, marker]


def _arrow_trace(a: MapArrow, scale: float) -> dict:
    """Arrow ``a`` drawn ``scale`` times its length (the legend says so), its head a marker."""
    head = a.origin + scale * a.vector
    shown = "true length" if scale == 1 else f"drawn ×{scale:g}"
    return {
        "type": "scatter",
        "meta": f"arrow-{a.kind}",
        "name": f"{a.label}, {shown}",
        "x": rounded([a.origin[0], head[0]]),
        "y": rounded([a.origin[1], head[1]]),
        "mode": "lines+markers",
        "line": {"color": ARROW_COLOURS[a.kind], "width": 3, "dash": a.dash},
        "marker": {
            "symbol": ["circle", "arrow"],
            "size": [5, 16],
            "angleref": "previous",
            "color": ARROW_COLOURS[a.kind],
        },
        "hovertemplate": (
            f"{a.label}<br>Δx = {a.vector[0]:.4g}, Δy = {a.vector[1]:.4g}, "
            f"length {_length(a.vector):.4g}<extra></extra>"
        ),
    }


def _point_trace(p: MapPoint, symbol: str) -> dict:
    """Point ``p`` as a marker in its run's colour, named by its letter and what it is."""
    ring = symbol.endswith("-open")
    return {
        "type": "scatter",
        "meta": f"point-{p.name}",
        "name": f"{p.name}: {p.meaning}",
        "x": rounded(p.xy[:1]),
        "y": rounded(p.xy[1:2]),
        "mode": "markers",
        "marker": {
            "symbol": symbol,
            "size": 20 if ring else 10,
            "color": p.colour,
            "line": {"width": 2.5 if ring else 1.5, "color": p.colour if ring else "white"},
        },
        "hovertemplate": f"{p.name}: {p.meaning}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
    }


def _finite_list(values: np.ndarray, positive: bool = False) -> list[float | None]:
    """Values for JSON: five significant digits, ``None`` (a gap) where not finite (or ≤ 0)."""
    values = np.asarray(values, dtype=float)
    ok = np.isfinite(values) & ((values > 0) if positive else True)
    return [float(f"{v:.5g}") if good else None for v, good in zip(values, ok, strict=True)]


def inspector_series(
    runs: Sequence[tuple[str, str, dict[str, np.ndarray]]],
    titles: dict[str, str],
    log_rows: frozenset[str] | set[str],
    k: int,
    steps: int,
    *,
    row_height: int = 120,
) -> dict:
    """Stacked time series, one row per quantity in ``titles`` that some run has.

    ``runs`` holds ``(label, colour, series)`` with ``series[name]`` of shape ``(steps, 2)``
    for steps ``1..steps``: the x coordinate solid, y dashed (the ``"bias"`` row holds the
    β₁ and β₂ factors instead). Rows in ``log_rows`` use a log axis. A vertical line marks k.
    """
    names = [n for n in titles if any(n in s for _, _, s in runs)]
    rows = max(len(names), 1)
    gap = 0.04
    size = (1 - gap * (rows - 1)) / rows
    keep = np.unique(np.round(np.linspace(0, steps - 1, min(steps, SERIES_POINTS))).astype(int))
    keep = keep[keep >= 0] if steps else np.array([], dtype=int)
    data: list[dict] = []
    layout = _series_layout(row_height * rows + 80, k)
    for row, name in enumerate(names):
        top = 1 - row * (size + gap)
        suffix = "" if row == 0 else str(row + 1)
        log = name in log_rows
        layout |= _row_axes(row, rows, (max(top - size, 0.0), top), steps, log)
        layout["annotations"].append(_row_title(titles[name], log, top))
        for i, (label, colour_, series) in enumerate(runs):
            if name in series:
                values = np.asarray(series[name], dtype=float)[keep]
                line = SeriesLine(name, i, label, colour_, suffix, show=row == 0)
                data += _series_traces(line, keep + 1, values, log)
    return {"data": data, "layout": layout}


def _series_layout(height: int, k: int) -> dict:
    """The series' layout without its rows: a dotted vertical line at step ``k``."""
    return {
        "height": height,
        "margin": {"l": 60, "r": 10, "t": 30, "b": 40},
        "hovermode": "x",
        "uirevision": "inspector-series",
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        "shapes": [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": k,
                "x1": k,
                "y0": 0,
                "y1": 1,
                "line": {"color": "#444", "width": 1, "dash": "dot"},
            }
        ],
        "annotations": [],
    }


def _row_axes(row: int, rows: int, domain: tuple[float, float], steps: int, log: bool) -> dict:
    """Row ``row``'s axes: steps shared with the first row (labelled on the last), its own y."""
    suffix = "" if row == 0 else str(row + 1)
    return {
        f"xaxis{suffix}": {
            "anchor": f"y{suffix}",
            "range": [0, max(steps, 1)],
            "showticklabels": row == rows - 1,
            "title": {"text": "step t"} if row == rows - 1 else None,
            **({"matches": "x"} if row else {}),
        },
        f"yaxis{suffix}": {
            "domain": list(domain),
            "anchor": f"x{suffix}",
            "type": "log" if log else "linear",
            "exponentformat": "power",
            "nticks": 4,
        },
    }


def _row_title(title: str, log: bool, top: float) -> dict:
    """A row's title, in bold at its top left, and whether its axis is logarithmic."""
    return {
        "text": f"<b>{title}</b>" + (" (log)" if log else ""),
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": top,
        "xanchor": "left",
        "yanchor": "top",
        "showarrow": False,
        "font": {"size": 11},
        "bgcolor": "rgba(255,255,255,0.7)",
    }


@dataclasses.dataclass(frozen=True)
class SeriesLine:
    """Which row and run a series' traces belong to, and how they are drawn.

    ``name`` is the row's quantity; ``i`` the run's index, ``label`` and ``colour`` its own;
    ``suffix`` names the row's axes; ``show`` puts the traces in the legend (the first row's).
    """

    name: str
    i: int
    label: str
    colour: str
    suffix: str
    show: bool


def _series_traces(line: SeriesLine, t: np.ndarray, values: np.ndarray, log: bool) -> list[dict]:
    """One run's quantity over steps ``t``: its x coordinate solid, its y dashed (the bias
    row: the β₁ and β₂ factors); a part with no finite value (positive on a log row) is left
    out."""
    parts = ("1/(1−β₁ᵗ)", "1/(1−β₂ᵗ)") if line.name == "bias" else ("x", "y")
    traces = []
    for c, (part, dash) in enumerate(zip(parts, ("solid", "dash"), strict=True)):
        ys = _finite_list(values[:, c], positive=log)
        if not any(v is not None for v in ys):
            continue
        traces.append(
            {
                "type": "scatter",
                "meta": f"series-{line.name}-{line.i}-{part}",
                "name": f"{line.label} · {part}",
                "legendgroup": f"{line.i}-{c}",
                "showlegend": line.name != "bias" and line.show,
                "x": t.tolist(),
                "y": ys,
                "xaxis": f"x{line.suffix}",
                "yaxis": f"y{line.suffix}",
                "mode": "lines",
                "line": {"color": line.colour, "width": 1.6, "dash": dash},
                "hovertemplate": f"{line.label} {part}: %{{y:.4g}}<extra></extra>",
            }
        )
    return traces
