"""The race as an animated GIF for slides, drawn with Pillow (installed with Streamlit).

One pure function, :func:`race_gif`: the landscape grid, the window and the paths in, GIF
bytes out. It draws what the playground's map shows, in the same colours and marker symbols:
the contour map at equal x and y scales, the known minima, each optimizer's whole path
faintly, a moving marker with a short trail, a legend and a step counter.

Everything on the map is drawn at twice the size and halved (a box filter over 2 × 2 pixels),
which smooths the edges; the frames share one palette, so the GIF stores only what changed.
"""

from __future__ import annotations

import functools
import glob
import io
import math
import os
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ui.figures.landscape import CONTOUR_COLOURS, Path, contour_picture
from ui.figures.player import TRAIL_FRAMES, frame_steps
from ui.figures.style import colour
from ui.figures.style import symbol as _symbol

SIZE = (640, 480)
MAX_FRAMES = 100
SS = 2  # supersampling: drawn at SS × the size, then reduced
FAR = 1e7  # pixels: farther points are brought this close (see _to_pixels)
INK = (27, 39, 51)  # the app's text colour (ui.figures.style.FONT)
MINIMUM_INK = (34, 34, 34)  # the map's "known minimum" cross
FRAME_INK = (110, 118, 128)
WHITE = (255, 255, 255)
PATH_OPACITY = 0.55  # the faint whole paths, as on the map
LEGEND_SHARE = 0.3  # of the width, for title, step counter and legend
# Pillow's built-in font has no Greek; the app's own font (Source Sans, shipped inside
# Streamlit) has, so labels read as they do in the app. Without it, spell the symbols out.
_APP_FONT = os.path.join("static", "static", "media", "SourceSansVF-Upright*.woff2")
_SPELLED = str.maketrans({"η": "eta", "β": "beta", "λ": "lambda", "ε": "eps", "−": "-", "×": "x"})


class Box(NamedTuple):
    """The map's place in the picture, in pixels: ``left``, ``top``, ``width``, ``height``.

    The window's ``(xlo, yhi)`` corner is the top-left corner of pixel ``(left, top)`` and
    ``(xhi, ylo)`` the bottom-right corner of pixel ``(left + width - 1, top + height - 1)``;
    x and y have the same scale, to a pixel.
    """

    left: int
    top: int
    width: int
    height: int


def safe_window(window) -> tuple[tuple[float, float], tuple[float, float]]:
    """``window`` made drawable: finite, ordered, and of a size a pixel can resolve."""
    axes = []
    for lo, hi in window:
        lo, hi = float(lo), float(hi)
        if not (np.isfinite(lo) and np.isfinite(hi)):
            lo, hi = -1.0, 1.0
        lo, hi = min(lo, hi), max(lo, hi)
        centre, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
        least = 1e-9 * max(abs(centre), 1.0)  # below this a float cannot tell pixels apart
        if half < least:
            half = 0.5 * max(abs(centre), 1.0)
        axes.append((centre - half, centre + half))
    return axes[0], axes[1]


def map_box(window, size: tuple[int, int] = SIZE) -> Box:
    """Where the map lies in a picture of ``size``: as large as fits left of the legend,
    at equal x and y scales, centred (letterboxed) in its space."""
    width, height = size
    s = _scale(size)
    (xlo, xhi), (ylo, yhi) = safe_window(window)
    left, top = round(52 * s), round(14 * s)
    room_w = max(width - round(LEGEND_SHARE * width) - round(14 * s) - left, 8)
    room_h = max(height - round(36 * s) - top, 8)
    per_unit = min(room_w / (xhi - xlo), room_h / (yhi - ylo))
    w = max(1, min(room_w, round(per_unit * (xhi - xlo))))
    h = max(1, min(room_h, round(per_unit * (yhi - ylo))))
    return Box(left + (room_w - w) // 2, top + (room_h - h) // 2, w, h)


def race_gif(
    z: np.ndarray,
    window,
    paths: Sequence[Path],
    minima: np.ndarray,
    *,
    steps: int,
    title: str = "",
    size: tuple[int, int] = SIZE,
    max_frames: int = MAX_FRAMES,
    frame_ms: int = 60,
    hold_ms: int = 1500,
) -> bytes:
    """The race over the landscape as an animated GIF that loops forever.

    Args:
      z: the landscape over ``window`` as the map draws it, ``z[i, j]`` at ``(xs[j], ys[i])``
        (``cache.grid(...).z``); drawn with :func:`ui.figures.landscape.contour_picture`.
      window: ``((xlo, xhi), (ylo, yhi))``, the map's extent.
      paths: the runs (finite iterates; a diverged run ends where it left).
      minima: ``(k, 2)`` known minima, marked with a cross.
      steps: the race's number of steps ``T``; frame ``k`` shows step ``frame_steps(T)[k]``.
      title: a line above the legend (e.g. the landscape's name); empty for none.
      size: ``(width, height)`` in pixels.
      max_frames: at most this many frames, spread evenly over the steps.
      frame_ms: how long each frame shows (GIFs count in 10 ms; browsers slow anything
        under 20 ms down to 100 ms, so it is at least 20).
      hold_ms: how long the last frame shows before the loop starts again.

    A run that stopped (diverged) stays where it left, and a marker off the map is pinned to
    its edge; both show as a × in the run's colour, as on the map.
    """
    width, height = int(size[0]), int(size[1])
    if width < 16 or height < 16:
        raise ValueError(f"size must be at least 16 × 16 pixels, got {size}")
    window = safe_window(window)
    box = map_box(window, (width, height))
    fonts = _fonts(_scale((width, height)))
    shown = frame_steps(int(steps), max_frames)
    paths = [_finite(p) for p in paths]
    minima = np.asarray(minima, dtype=float).reshape(-1, 2)

    background = _background(z, window, box, paths, minima, title, (width, height), fonts)
    layers = [
        _frame(background, window, box, paths, shown, k, title, fonts) for k in range(len(shown))
    ]
    palette = _palette([layers[0], layers[-1]], paths)
    frames = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in layers]

    durations = [max(20, int(frame_ms))] * (len(frames) - 1) + [max(20, int(hold_ms))]
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=0,
        optimize=True,
        disposal=1,
    )
    return buffer.getvalue()


# --- layout and drawing --------------------------------------------------------------------------


class _Fonts(NamedTuple):
    tick: ImageFont.FreeTypeFont
    legend: ImageFont.FreeTypeFont
    counter: ImageFont.FreeTypeFont
    spelled: bool  # the fallback font: Greek letters spelled out


def _scale(size: tuple[int, int]) -> float:
    """Lengths and fonts are laid out for 640 × 480 and scale with the picture."""
    return max(min(size[0] / 640, size[1] / 480), 0.25)


def _fonts(s: float) -> _Fonts:
    """Fonts at supersampled size. New objects per call: a FreeType face is not thread-safe."""
    data = _app_font_bytes()

    def font(px: float, weight: str) -> ImageFont.FreeTypeFont:
        px = max(round(px * SS), 8)
        if data is None:
            return ImageFont.load_default(size=px)
        face = ImageFont.truetype(io.BytesIO(data), px)
        face.set_variation_by_name(weight)
        return face

    return _Fonts(
        font(12 * s, "Regular"),
        font(15 * s, "Regular"),
        font(19 * s, "Semibold"),
        spelled=data is None,
    )


@functools.cache
def _app_font_bytes() -> bytes | None:
    """The app's font file (Source Sans 3), as Streamlit ships it, or ``None``."""
    try:
        import streamlit

        found = sorted(glob.glob(os.path.join(os.path.dirname(streamlit.__file__), _APP_FONT)))
        if not found:
            return None
        with open(found[0], "rb") as file:
            data = file.read()
        face = ImageFont.truetype(io.BytesIO(data), 12)  # can this FreeType read WOFF2?
        face.set_variation_by_name("Semibold")
        return data
    except (ImportError, OSError, ValueError):
        return None


def _text(fonts: _Fonts, text: str) -> str:
    return text.translate(_SPELLED) if fonts.spelled else text


def _finite(path: Path) -> Path:
    """``path`` cut before its first non-finite point (paths are finite; this is a guard)."""
    xy = np.asarray(path.xy, dtype=float).reshape(-1, 2)
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        xy = xy[: int(np.argmax(bad))]
    if not len(xy):
        return Path(path.name, path.label, np.zeros((0, 2)), path.loss[:0], path.diverged_at)
    return Path(path.name, path.label, xy, path.loss, path.diverged_at)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _to_pixels(xy: np.ndarray, window, box: Box) -> np.ndarray:
    """Data coordinates to supersampled pixel coordinates relative to the map's corner.

    A point more than ``FAR`` pixels off the map is moved closer along its own direction from
    the map's centre: lines towards it keep their angle, and the numbers stay exact enough.
    """
    (xlo, xhi), (ylo, yhi) = window
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    with np.errstate(over="ignore", invalid="ignore"):
        px = (xy[:, 0] - xlo) / (xhi - xlo) * box.width * SS
        py = (yhi - xy[:, 1]) / (yhi - ylo) * box.height * SS
    pixels = np.nan_to_num(np.column_stack([px, py]), posinf=1e300, neginf=-1e300)
    centre = 0.5 * SS * np.array([box.width, box.height], dtype=float)
    offset = pixels - centre
    reach = np.abs(offset).max(axis=1, keepdims=True)
    return centre + offset * (FAR / np.maximum(reach, FAR))


def _clipped_lines(points: np.ndarray, w: float, h: float) -> list[list[tuple[float, float]]]:
    """The polyline through ``points`` cut to the rectangle ``[-w, 2w] × [-h, 2h]`` (around
    a ``w × h`` map), as unbroken pieces: far-off points would overflow Pillow's integers."""
    if len(points) < 2:
        return []
    a, b = points[:-1], points[1:]
    d = b - a
    t0, t1 = np.zeros(len(a)), np.ones(len(a))
    keep = np.ones(len(a), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in (
            (-d[:, 0], a[:, 0] + w),
            (d[:, 0], 2 * w - a[:, 0]),
            (-d[:, 1], a[:, 1] + h),
            (d[:, 1], 2 * h - a[:, 1]),
        ):  # Liang–Barsky: the parameter range of each segment inside every edge
            r = q / p
            keep &= ~((p == 0) & (q < 0))
            t0 = np.where(p < 0, np.maximum(t0, r), t0)
            t1 = np.where(p > 0, np.minimum(t1, r), t1)
    keep &= t0 <= t1
    starts, ends = a + t0[:, None] * d, a + t1[:, None] * d
    pieces: list[list[tuple[float, float]]] = []
    previous = -2
    for i in np.flatnonzero(keep):
        if i == previous + 1 and t1[previous] == 1 and t0[i] == 0:  # it goes on unbroken
            pieces[-1].append(tuple(ends[i]))
        else:
            pieces.append([tuple(starts[i]), tuple(ends[i])])
        previous = i
    return pieces


def _marker(kind: str, centre: tuple[float, float], r: float) -> list[tuple[float, float]] | None:
    """The outline of plotly marker ``kind`` of radius ``r`` at ``centre``; ``None``: a circle."""
    cx, cy = centre

    def ring(n: int, start_deg: float, radii: Sequence[float]) -> list[tuple[float, float]]:
        turn = [math.radians(start_deg) + 2 * math.pi * i / n for i in range(n)]
        return [
            (cx + radii[i % len(radii)] * math.cos(t), cy - radii[i % len(radii)] * math.sin(t))
            for i, t in enumerate(turn)
        ]

    def plus(rotate_deg: float) -> list[tuple[float, float]]:
        a, arm = 0.36 * r, 1.15 * r
        outline = [(a, arm), (a, a), (arm, a), (arm, -a), (a, -a), (a, -arm)]
        outline += [(-x, -y) for x, y in outline]
        c, s = math.cos(math.radians(rotate_deg)), math.sin(math.radians(rotate_deg))
        return [(cx + x * c - y * s, cy - (x * s + y * c)) for x, y in outline]

    shapes = {
        "square": lambda: ring(4, 45, [1.2 * r]),
        "diamond": lambda: ring(4, 90, [1.3 * r]),
        "triangle-up": lambda: ring(3, 90, [1.35 * r]),
        "triangle-down": lambda: ring(3, -90, [1.35 * r]),
        "pentagon": lambda: ring(5, 90, [1.1 * r]),
        "hexagon": lambda: ring(6, 90, [1.1 * r]),
        "star": lambda: ring(10, 90, [1.4 * r, 0.6 * r]),
        "star-diamond": lambda: ring(8, 90, [1.35 * r, 0.5 * r]),
        "cross": lambda: plus(0),
        "x": lambda: plus(45),
    }
    return shapes[kind]() if kind in shapes else None


def _draw_marker(draw: ImageDraw.ImageDraw, kind: str, centre, r: float, fill) -> None:
    """A filled marker with a white rim, as the map draws them."""
    rim = max(1.5 * SS, 0.25 * r)
    for radius, ink in ((r + rim, WHITE), (r, fill)):
        outline = _marker(kind, centre, radius)
        if outline is None:
            cx, cy = centre
            draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=ink)
        else:
            draw.polygon(outline, fill=ink)


def _nice_ticks(lo: float, hi: float, most: int = 6) -> np.ndarray:
    """Round numbers (1, 2 or 5 × 10ⁿ apart) in ``[lo, hi]``, at most ``most`` of them."""
    span = hi - lo
    raw = span / max(most - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if span / (m * magnitude) <= most - 1)
    first = math.ceil(lo / step - 1e-9)
    ticks = (first + np.arange(int(math.floor(hi / step + 1e-9)) - first + 1)) * step
    return ticks[(ticks >= lo - 1e-9 * span) & (ticks <= hi + 1e-9 * span)]


def _tick_label(v: float, step: float) -> str:
    if abs(v) < 1e-9 * step:
        return "0"
    return f"{v:.4g}".replace("-", "−")


def _background(z, window, box: Box, paths, minima, title, size, fonts) -> Image.Image:
    """Everything that stays: the contour, the faint paths, the minima, axes and legend."""
    width, height = size
    s = _scale(size)
    picture = Image.new("RGB", (width * SS, height * SS), WHITE)
    picture.paste(_map_layer(z, window, box, paths, minima, s), (box.left * SS, box.top * SS))
    draw = ImageDraw.Draw(picture)
    _draw_axes(draw, window, box, s, fonts)
    _draw_legend(draw, paths, minima, title, size, fonts)
    return picture


def _map_layer(z, window, box: Box, paths, minima, s: float) -> Image.Image:
    """The map: contour, faint whole paths, minima, all cut to the map by the layer's edge."""
    bw, bh = box.width * SS, box.height * SS
    layer = contour_picture(z).resize((bw, bh), Image.Resampling.BILINEAR)
    faint = Image.new("RGBA", (bw, bh), (0, 0, 0, 0))
    faint_draw = ImageDraw.Draw(faint)
    for p in paths:
        for piece in _clipped_lines(_to_pixels(p.xy, window, box), bw, bh):
            faint_draw.line(piece, fill=_rgb(colour(p.name)), width=round(1.6 * SS * s))
    faint.putalpha(faint.getchannel("A").point(lambda a: round(a * PATH_OPACITY)))
    layer.paste(faint, (0, 0), faint)
    layer_draw = ImageDraw.Draw(layer)
    arm = 6 * SS * s
    for mx, my in _to_pixels(minima, window, box):
        if -arm <= mx <= bw + arm and -arm <= my <= bh + arm:
            for dx in (-arm, arm):
                layer_draw.line(
                    [(mx - dx, my - arm), (mx + dx, my + arm)], fill=MINIMUM_INK, width=2 * SS
                )
    return layer


def _draw_axes(draw: ImageDraw.ImageDraw, window, box: Box, s: float, fonts) -> None:
    """A thin frame around the map, its ticks and their labels, and the axes' names."""
    x0, y0 = box.left * SS, box.top * SS
    x1, y1 = x0 + box.width * SS, y0 + box.height * SS
    bw, bh = box.width * SS, box.height * SS
    line = max(1, round(SS * s))
    draw.rectangle(
        (x0 - line, y0 - line, x1 + line - 1, y1 + line - 1), outline=FRAME_INK, width=line
    )
    (xlo, xhi), (ylo, yhi) = window
    tick = 5 * SS * s
    for ticks, horizontal in (
        (_nice_ticks(xlo, xhi, 6 if box.width > 240 * s else 4), True),
        (_nice_ticks(ylo, yhi, 6 if box.height > 240 * s else 4), False),
    ):
        step = float(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
        for v in ticks:
            text = _text(fonts, _tick_label(float(v), step))
            if horizontal:
                x = x0 + (v - xlo) / (xhi - xlo) * bw
                draw.line([(x, y1 + line), (x, y1 + line + tick)], fill=FRAME_INK, width=line)
                draw.text((x, y1 + line + 1.4 * tick), text, fill=INK, font=fonts.tick, anchor="mt")
            else:
                y = y0 + (yhi - v) / (yhi - ylo) * bh
                draw.line([(x0 - line - tick, y), (x0 - line, y)], fill=FRAME_INK, width=line)
                draw.text((x0 - line - 1.4 * tick, y), text, fill=INK, font=fonts.tick, anchor="rm")
    draw.text(((x0 + x1) / 2, y1 + 32 * SS * s), "x", fill=INK, font=fonts.tick, anchor="md")
    draw.text((x0 - 44 * SS * s, (y0 + y1) / 2), "y", fill=INK, font=fonts.tick, anchor="lm")


def _draw_legend(draw: ImageDraw.ImageDraw, paths, minima, title: str, size, fonts) -> None:
    """The side panel's title and legend (the step counter is drawn on each frame)."""
    s = _scale(size)
    left, right, _, y = _panel(size, title)
    if title:
        draw.text(
            (left, 14 * SS * s),
            _fit(fonts, title, fonts.legend, right - left),
            fill=INK,
            font=fonts.legend,
        )
    key = 26 * SS * s  # width of a legend entry's line sample
    for p in paths:
        ink = _rgb(colour(p.name))
        name, _, rest = p.label.partition(" (")
        lines = [name] + ([f"({rest}"] if rest else [])
        middle = y + 9 * SS * s
        draw.line([(left, middle), (left + key, middle)], fill=ink, width=round(3 * SS * s))
        _draw_marker(draw, _symbol(p.name), (left + key / 2, middle), 5.5 * SS * s, ink)
        for i, text in enumerate(lines):
            draw.text(
                (left + key + 8 * SS * s, y + i * 17 * SS * s),
                _fit(fonts, text, fonts.legend, right - left - key - 8 * SS * s),
                fill=INK,
                font=fonts.legend,
            )
        y += (len(lines) * 17 + 10) * SS * s
    if len(minima):
        middle = y + 9 * SS * s
        cx, arm = left + key / 2, 5 * SS * s
        for dx in (-arm, arm):
            draw.line(
                [(cx - dx, middle - arm), (cx + dx, middle + arm)], fill=MINIMUM_INK, width=2 * SS
            )
        draw.text((left + key + 8 * SS * s, y), "known minimum", fill=INK, font=fonts.legend)


def _panel(size: tuple[int, int], title: str) -> tuple[float, float, float, float]:
    """The side panel's left and right edges, the step counter's baseline and the legend's
    top, in supersampled pixels."""
    width = size[0]
    s = _scale(size)
    left = (width - round(LEGEND_SHARE * width) + round(4 * s)) * SS
    right = (width - round(8 * s)) * SS
    counter = ((40 if title else 14) + 20) * SS * s
    return left, right, counter, counter + 28 * SS * s


def _fit(fonts: _Fonts, text: str, font, room: float) -> str:
    """``text`` (its symbols spelled out for the fallback font), cut with … to fit ``room``."""
    text = _text(fonts, text)
    if font.getlength(text) <= room:
        return text
    while len(text) > 1 and font.getlength(text + "…") > room:
        text = text[:-1]
    return text.rstrip() + "…"


def _frame(background, window, box: Box, paths, shown, k: int, title, fonts) -> Image.Image:
    """Frame ``k``: the background, each run's trail and marker at step ``shown[k]``, the
    step counter; reduced to the GIF's size."""
    width, height = background.width // SS, background.height // SS
    s = _scale((width, height))
    picture = background.copy()
    bw, bh = box.width * SS, box.height * SS
    corner = np.array([box.left * SS, box.top * SS])
    layer = picture.crop((*corner, *(corner + [bw, bh])))  # trails are cut at the map's edge
    draw = ImageDraw.Draw(layer)
    step = int(shown[k])
    since = int(shown[max(0, k - TRAIL_FRAMES)])
    edge = 0.01 * np.array([bw, bh])  # as on the map, a marker off it is pinned 1 % inside
    markers = []
    for p in paths:
        if not len(p.xy):
            continue
        last = len(p.xy) - 1
        stop = min(step, last)
        ink = _rgb(colour(p.name))
        pixels = _to_pixels(p.xy[min(since, stop) : stop + 1], window, box)
        for piece in _clipped_lines(pixels, bw, bh):
            draw.line(piece, fill=ink, width=round(3 * SS * s), joint="curve")
        at = pixels[-1]
        pinned = np.clip(at, edge, [bw, bh] - edge)
        stopped = p.diverged_at is not None and step >= last
        kind = "x" if stopped or (pinned != at).any() else _symbol(p.name)
        markers.append((kind, tuple(pinned + corner), ink))
    picture.paste(layer, tuple(corner))

    draw = ImageDraw.Draw(picture)
    for kind, centre, ink in markers:  # whole, even when pinned to the map's edge
        _draw_marker(draw, kind, centre, 6.5 * SS * s, ink)
    left, _, baseline, _ = _panel((width, height), title)
    counter = f"step {step} / {int(shown[-1])}"
    draw.text((left, baseline), counter, fill=INK, font=fonts.counter, anchor="ls")
    return picture.reduce(SS)


def _palette(samples: Sequence[Image.Image], paths: Sequence[Path]) -> Image.Image:
    """One palette for every frame: the runs' colours exactly, the rest adapted to ``samples``
    (the first and last frames, which hold the map, the paths and the text's soft edges)."""
    exact = [WHITE, INK, MINIMUM_INK, FRAME_INK, *CONTOUR_COLOURS]
    exact += [_rgb(colour(p.name)) for p in paths]
    exact = list(dict.fromkeys(exact))
    sheet = Image.new("RGB", (samples[0].width, samples[0].height * len(samples)))
    for i, sample in enumerate(samples):
        sheet.paste(sample, (0, i * sample.height))
    adapted = sheet.quantize(256 - len(exact), method=Image.Quantize.MEDIANCUT)
    colours = adapted.getpalette()[: 3 * (256 - len(exact))]
    colours += [c for rgb in exact for c in rgb]
    palette = Image.new("P", (1, 1))
    palette.putpalette(colours)
    return palette
