"""What a map is drawn on and over: the sampled landscape, its contour picture, equal-scale
axes, the known minima, and the runs' paths (:class:`Path`)."""

from __future__ import annotations

import base64
import dataclasses
import io

import numpy as np
from PIL import Image

from ui.figures.encoding import rounded, typed


@dataclasses.dataclass(frozen=True)
class Grid:
    """A landscape sampled for a contour or surface: ``z[i, j] = display(f(xs[j], ys[i]))``."""

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    z_title: str


@dataclasses.dataclass(frozen=True)
class Path:
    """One optimizer's run, cut where it diverged, ready to draw.

    Attributes:
      name: registry name (chooses the colour); label: legend text.
      xy: ``(n, 2)`` finite iterates, ``n - 1`` steps taken before it stopped or diverged.
      loss: ``(n,)`` what the loss panel shows (already ``f - f*`` where that is known).
      diverged_at: the step at which it left, or ``None``.
    """

    name: str
    label: str
    xy: np.ndarray
    loss: np.ndarray
    diverged_at: int | None = None


CONTOUR_COLOURS = ((255, 255, 255), (221, 232, 243), (169, 193, 218))
CONTOUR_LEVELS = 24
# zlib's level for the contour's PNG, made at every move of κ or θ and every new landscape.
# Measured on the 400² maps: level 5 takes about half the time of zlib's default 6
# (rastrigin 2.9 ms instead of 5.6, rosenbrock 0.9 instead of 1.7) for 1–10 % more bytes;
# level 4 saves a little more time for 7–19 % more bytes, level 1 for 40–70 %.
PNG_LEVEL = 5


def contour_bands(z: np.ndarray, levels: int = CONTOUR_LEVELS) -> tuple[np.ndarray, np.ndarray]:
    """The landscape as a banded contour, row 0 at the top (``z[-1]``): each pixel's index
    into the palette, and the palette (``2 · levels`` RGB colours).

    ``levels`` bands of a light colour ramp (indices ``0 … levels − 1``), drawn darker
    (the same index ``+ levels``) wherever the band changes: the isolines.
    """
    z = np.asarray(z, dtype=float)
    finite = np.isfinite(z)
    every = finite.all()  # display_z's always are: no copies of the finite ones then
    shown = z if every else z[finite]
    lo = float(shown.min()) if shown.size else 0.0
    hi = float(shown.max()) if shown.size else 1.0
    scaled = (z - lo) / max(hi - lo, 1e-300)
    if not every:
        scaled = np.where(finite, scaled, 1.0)
    band = np.minimum((scaled * levels).astype(np.uint8), levels - 1)
    ramp = np.asarray(CONTOUR_COLOURS, dtype=float)
    at = np.linspace(0.0, 1.0, len(ramp))
    centres = (np.arange(levels) + 0.5) / levels
    colours = np.stack([np.interp(centres, at, ramp[:, c]) for c in range(3)], axis=1)
    palette = np.concatenate([colours, 0.8 * colours]).round().astype(np.uint8)
    isoline = np.zeros(band.shape, dtype=bool)
    isoline[1:, :] |= band[1:, :] != band[:-1, :]
    isoline[:, 1:] |= band[:, 1:] != band[:, :-1]
    return (band + levels * isoline.astype(np.uint8))[::-1], palette


def contour_picture(z: np.ndarray, levels: int = CONTOUR_LEVELS) -> Image.Image:
    """The :func:`contour_bands` of ``z`` as an RGB picture."""
    index, palette = contour_bands(z, levels)
    return Image.fromarray(palette[index], mode="RGB")


def contour_png(z: np.ndarray, levels: int = CONTOUR_LEVELS) -> str:
    """The :func:`contour_bands` of ``z`` as a PNG data URI (one byte a pixel, its palette).

    Plotly's animation drops contour and heatmap traces from the plot while frames play
    (plotly.js #4491), so the map's contour is a background image.
    """
    index, palette = contour_bands(z, levels)
    picture = Image.fromarray(index, mode="L").convert("P")
    picture.putpalette(palette.ravel().tolist())
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=PNG_LEVEL)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def contour_image(contour: str, window) -> dict:
    """Layout image that lays the contour picture exactly over ``window``, behind the plot."""
    (xlo, xhi), (ylo, yhi) = window
    return {
        "name": "contour",
        "source": contour,
        "xref": "x",
        "yref": "y",
        "x": xlo,
        "y": yhi,
        "sizex": xhi - xlo,
        "sizey": yhi - ylo,
        "sizing": "stretch",
        "layer": "below",
    }


def map_axes(window, domain: list[float] | None = None) -> dict:
    """The map's x and y axes over ``window``: equal scales, so steps look as they are."""
    (xlo, xhi), (ylo, yhi) = window
    xaxis = {
        "range": [xlo, xhi],
        "title": {"text": "x", "standoff": 2},
        "showgrid": False,
        "zeroline": False,
        "constrain": "domain",
    }
    if domain is not None:
        xaxis["domain"] = domain
    yaxis = {
        "range": [ylo, yhi],
        "title": {"text": "y"},
        "showgrid": False,
        "zeroline": False,
        "scaleanchor": "x",
        "scaleratio": 1,
        "constrain": "domain",
    }
    return {"xaxis": xaxis, "yaxis": yaxis}


def minima_trace(minima: np.ndarray) -> dict:
    """The known minima, marked with a cross."""
    return {
        "type": "scatter",
        "meta": "minima",
        "name": "known minimum",
        "x": rounded(minima[:, 0]),
        "y": rounded(minima[:, 1]),
        "mode": "markers",
        "marker": {"symbol": "x-thin", "size": 12, "line": {"width": 2, "color": "#222"}},
        "hovertemplate": "minimum (%{x:.4g}, %{y:.4g})<extra></extra>",
    }


def click_grid(window, n: int) -> dict:
    """An ``n`` × ``n`` grid of invisible points over ``window``, named ``click-grid``.

    For ``st.plotly_chart``, which reports clicks on points only: a click on one sets the
    start point there. The app's own element reads a click's position without them.
    """
    (xlo, xhi), (ylo, yhi) = window
    gx, gy = np.meshgrid(np.linspace(xlo, xhi, n), np.linspace(ylo, yhi, n))
    return {
        "type": "scatter",
        "meta": "click-grid",
        "x": typed(gx.ravel()),
        "y": typed(gy.ravel()),
        "mode": "markers",
        "marker": {"size": 9, "opacity": 0},
        "hovertemplate": "click to start here<br>(%{x:.2f}, %{y:.2f})<extra></extra>",
        "showlegend": False,
    }
