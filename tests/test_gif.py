"""The race as a GIF, on real runs: frames, size, timing, and each marker where its run is.

Pixel positions are worked out here from the map's box (its corner and size), not by the
module's own mapping, so a marker drawn in the wrong place fails.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageSequence

import optim_core
from ui import gif, report
from ui.figures import player, style

QUADRATIC = optim_core.LANDSCAPES["quadratic"]
DEFAULT = ("gd", "momentum", "rmsprop", "adam")


def landscape_z(land, window, resolution: int = 120) -> np.ndarray:
    (x0, x1), (y0, y1) = window
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    with np.errstate(all="ignore"):
        return land.f(np.stack(np.meshgrid(xs, ys), axis=-1))


def race(land, names, steps, start=None, **hyper):
    """Real runs of ``names`` on ``land``, as the playground hands them to the figure."""
    start = land.start if start is None else start
    paths = []
    for name in names:
        values = {p.name: p.default for p in optim_core.OPTIMIZERS[name].hyperparams}
        values.update(hyper.get(name, {}))
        traj = optim_core.run(name, land, np.asarray(start, dtype=float), steps, **values)
        label = f"{optim_core.OPTIMIZERS[name].label} (η = {values['lr']:g})"
        paths.append(report.to_path(name, label, traj, land, start))
    return paths


def render(land, paths, steps, window=None, **kwargs) -> bytes:
    window = land.window if window is None else window
    minima = np.asarray(land.minima, dtype=float).reshape(-1, 2)
    return gif.race_gif(landscape_z(land, window), window, paths, minima, steps=steps, **kwargs)


def frames(data: bytes) -> list[np.ndarray]:
    with Image.open(io.BytesIO(data)) as im:
        return [np.asarray(f.convert("RGB"), dtype=int) for f in ImageSequence.Iterator(im)]


def pixel(point, window, size=gif.SIZE) -> tuple[int, int]:
    """Column and row of data point ``point`` on the map: equal scales, y up."""
    (xlo, xhi), (ylo, yhi) = window
    box = gif.map_box(window, size)
    col = box.left + (point[0] - xlo) / (xhi - xlo) * box.width
    row = box.top + (yhi - point[1]) / (yhi - ylo) * box.height
    return int(np.floor(col)), int(np.floor(row))


def rgb(name: str) -> np.ndarray:
    return np.array([int(style.colour(name)[i : i + 2], 16) for i in (1, 3, 5)])


def is_colour(frame: np.ndarray, col: int, row: int, name: str) -> bool:
    return bool(np.abs(frame[row, col] - rgb(name)).max() <= 12)


def marker_at(frame: np.ndarray, col: int, row: int, name: str) -> bool:
    """A marker, not a 3-pixel trail: most of the 5 × 5 block around the point in its colour."""
    block = frame[row - 2 : row + 3, col - 2 : col + 3]
    return int((np.abs(block - rgb(name)).max(axis=-1) <= 12).sum()) >= 20


def test_default_scene_has_its_frames_size_loop_and_held_last_frame():
    paths = race(QUADRATIC, DEFAULT, 200)
    data = render(QUADRATIC, paths, 200)
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "GIF"
        assert im.size == (640, 480)
        assert im.n_frames == 100 == len(player.frame_steps(200, 100))
        assert im.info["loop"] == 0
        durations = []
        for k in range(im.n_frames):
            im.seek(k)
            durations.append(im.info["duration"])
    assert durations == [60] * 99 + [1500]
    assert len(data) < 2_000_000  # small enough for a slide deck


@pytest.mark.parametrize(
    ("steps", "size", "max_frames", "expected"),
    [(30, (400, 300), 100, 31), (500, (800, 450), 40, 40), (0, (320, 240), 100, 1)],
)
def test_frame_count_and_size_follow_the_request(steps, size, max_frames, expected):
    paths = race(QUADRATIC, ("adam",), steps)
    data = render(QUADRATIC, paths, steps, size=size, max_frames=max_frames, hold_ms=900)
    with Image.open(io.BytesIO(data)) as im:
        assert (im.size, im.n_frames) == (size, expected)
        im.seek(im.n_frames - 1)
        assert im.info["duration"] == 900


@pytest.mark.parametrize("name", list(optim_core.OPTIMIZERS))
def test_marker_starts_at_the_start_and_ends_at_the_end(name):
    window = QUADRATIC.window
    (path,) = race(QUADRATIC, (name,), 60)
    first, *_, last = frames(render(QUADRATIC, [path], 60))
    start, end = pixel(path.xy[0], window), pixel(path.xy[-1], window)
    assert np.hypot(start[0] - end[0], start[1] - end[1]) > 12, "the run must move to be seen"
    assert marker_at(first, *start, name)
    assert marker_at(last, *end, name)
    assert not marker_at(last, *start, name)  # only its faint path is left there


@pytest.mark.parametrize(
    ("window", "start"),
    [(((-2.0, 2.0), (-0.5, 0.5)), (-1.8, 0.4)), (((-0.5, 0.5), (-3.0, 3.0)), (0.4, 2.7))],
)
def test_map_keeps_equal_scales_and_letterboxes(window, start):
    box = gif.map_box(window, gif.SIZE)
    (xlo, xhi), (ylo, yhi) = window
    assert box.width / box.height == pytest.approx((xhi - xlo) / (yhi - ylo), rel=0.02)
    assert box.left >= 0 and box.top >= 0
    assert box.left + box.width <= 0.72 * 640 and box.top + box.height <= 480
    land = optim_core.parse_function("x^2 + 4*y^2", window=window, start=start)
    (path,) = race(land, ("gd",), 40)
    first, *_, last = frames(render(land, [path], 40))
    assert marker_at(first, *pixel(path.xy[0], window), "gd")
    assert marker_at(last, *pixel(path.xy[-1], window), "gd")


def test_several_optimizers_each_show_in_their_own_colour():
    paths = race(QUADRATIC, DEFAULT, 30)
    ends = [pixel(p.xy[-1], QUADRATIC.window) for p in paths]
    gaps = [np.hypot(a[0] - b[0], a[1] - b[1]) for i, a in enumerate(ends) for b in ends[:i]]
    assert min(gaps) > 16, "the runs must end apart to be told apart"
    last = frames(render(QUADRATIC, paths, 30))[-1]
    for p, end in zip(paths, ends, strict=True):
        assert marker_at(last, *end, p.name)
    colours = {tuple(rgb(p.name)) for p in paths}
    assert len(colours) == len(paths)


def test_a_diverged_run_stops_where_it_left_marked_with_a_cross():
    window = ((-4.0, 3.0), (-2.0, 2.0))
    land = optim_core.parse_function("x + y^2 + sqrt(x + 3)", window=window, start=(2.0, 1.0))
    (path,) = race(land, ("gd",), 60, gd={"lr": 0.25})  # walks left until sqrt(x + 3) is NaN
    assert path.diverged_at is not None and path.diverged_at < 30
    shown = player.frame_steps(60, 100)
    images = frames(render(land, [path], 60))
    col, row = pixel(path.xy[-1], window)
    last = images[-1]
    assert is_colour(last, col, row, "gd")
    assert is_colour(last, col + 3, row + 3, "gd") and is_colour(last, col - 3, row + 3, "gd")
    assert not is_colour(last, col + 5, row, "gd")  # a ×, not the run's round marker
    box = gif.map_box(window)
    rows = slice(box.top - 10, box.top + box.height + 10)
    cols = slice(box.left - 10, box.left + box.width + 10)
    still = [k for k, s in enumerate(shown) if s >= path.diverged_at + 10]
    for k in still:  # the map stands still once the trail has caught up with the marker
        assert np.array_equal(images[k][rows, cols], last[rows, cols])
    assert not np.array_equal(images[0][rows, cols], last[rows, cols])


def test_a_run_that_left_at_its_first_step_is_one_point():
    land = optim_core.parse_function("log(x) + y^2", start=(-1.0, 0.5))  # NaN from the start
    (path,) = race(land, ("gd",), 20)
    assert len(path.xy) == 1
    images = frames(render(land, [path], 20))
    assert len(images) == 21
    col, row = pixel((-1.0, 0.5), land.window)
    for image in (images[0], images[-1]):
        assert is_colour(image, col, row, "gd")
        assert is_colour(image, col + 3, row + 3, "gd") and not is_colour(image, col + 5, row, "gd")


def test_steps_zero_gives_one_frame_with_the_marker_at_the_start():
    (path,) = race(QUADRATIC, ("momentum",), 0)
    assert path.xy.shape == (1, 2)
    (image,) = frames(render(QUADRATIC, [path], 0))
    assert marker_at(image, *pixel(path.xy[0], QUADRATIC.window), "momentum")


@pytest.mark.parametrize(
    "window", [((1.0, 1.0), (0.0, 0.0)), ((-1e-7, 1e-7), (-1e-7, 1e-7)), ((np.nan, 1.0), (0, 1))]
)
def test_degenerate_windows_and_far_off_points_still_draw(window):
    paths = race(QUADRATIC, ("gd", "adam"), 50, gd={"lr": 0.2})  # gd leaves for 1e6
    assert paths[0].diverged_at is not None
    z = landscape_z(QUADRATIC, QUADRATIC.window)
    data = gif.race_gif(z, window, paths, QUADRATIC.minima, steps=50, size=(320, 240))
    with Image.open(io.BytesIO(data)) as im:
        assert (im.size, im.n_frames) == ((320, 240), 51)


def test_same_scene_gives_the_same_bytes():
    paths = race(QUADRATIC, DEFAULT, 80)
    assert render(QUADRATIC, paths, 80) == render(QUADRATIC, paths, 80)


def test_without_the_app_font_labels_still_draw(monkeypatch):
    monkeypatch.setattr(gif, "_app_font_bytes", lambda: None)
    paths = race(QUADRATIC, DEFAULT, 30)
    images = frames(render(QUADRATIC, paths, 30, title="Narrow valley"))
    assert len(images) == 31
    assert marker_at(images[-1], *pixel(paths[-1].xy[-1], QUADRATIC.window), "adam")


# --- what the labels say ------------------------------------------------------------------------
# Text is read by drawing each candidate where the picture has it, in the GIF's own font, and
# keeping the one that matches the picture best: a wrong digit or name leaves many pixels
# unmatched, the right text only its edges' shades (the GIF's palette).

TITLE = "Narrow valley"
FONTS = gif._fonts(gif._scale(gif.SIZE))  # the GIF's fonts, at its supersampled size


def ink(picture: np.ndarray) -> np.ndarray:
    """The pixels darker than mid-grey, by their darkest channel."""
    return picture.min(axis=-1) < 128


def drawn_ink(size, text: str, font, at, anchor: str) -> np.ndarray:
    """The ink of ``text`` drawn as the GIF draws it: at ``at`` on a supersampled white
    canvas of GIF ``size`` (``at`` and the anchor in Pillow's terms), then reduced."""
    canvas = Image.new("RGB", (size[0] * gif.SS, size[1] * gif.SS), gif.WHITE)
    ImageDraw.Draw(canvas).text(at, text, fill=gif.INK, font=font, anchor=anchor)
    return ink(np.asarray(canvas.reduce(gif.SS), dtype=int))


def reading(frame, region, font, at, anchor: str, candidates) -> list[tuple[int, int, str]]:
    """``candidates`` drawn with ``font`` near ``at`` (supersampled pixels, shifted by up to a
    GIF pixel), by how many pixels of ``region`` (left, top, right, bottom: GIF pixels) then
    disagree with the frame; best first, each with its own count of ink pixels."""
    left, top, right, bottom = region
    seen = ink(frame[top:bottom, left:right])
    shifts = range(-gif.SS, gif.SS + 1)
    ranked = []
    for text in candidates:
        misses, ink_of = min(
            (int((mine != seen).sum()), int(mine.sum()))
            for dx in shifts
            for dy in shifts
            for mine in [
                drawn_ink(
                    (right - left, bottom - top),
                    text,
                    font,
                    (at[0] - left * gif.SS + dx, at[1] - top * gif.SS + dy),
                    anchor,
                )
            ]
        )
        ranked.append((misses, ink_of, text))
    return sorted(ranked)


def reads(frame, region, font, at, anchor: str, candidates) -> str:
    """The candidate the region shows: it matches all but a few edge pixels (a 12 px "0"
    has 12 pixels of ink, 4 of them shades the palette may put either side), and at most
    half as many as any other; else the test fails."""
    (misses, amount, text), (second, _, other) = reading(
        frame, region, font, at, anchor, candidates
    )[:2]
    assert misses <= 0.4 * amount and 2 * misses <= second, (text, misses, other, second)
    return text


def test_each_frame_counts_its_own_step_and_the_last_the_final_one():
    paths = race(QUADRATIC, DEFAULT, 60)
    images = frames(render(QUADRATIC, paths, 60, title=TITLE))
    left, right, baseline, _ = gif._panel(gif.SIZE, TITLE)
    ss = gif.SS
    region = (int(left // ss), int(baseline // ss) - 24, int(right // ss), int(baseline // ss) + 6)
    counters = [f"step {s} / 60" for s in range(61)]
    for k in (0, 1, 30, 60):  # 61 frames: one per step
        shown = reads(images[k], region, FONTS.counter, (left, baseline), "ls", counters)
        assert shown == f"step {k} / 60"


def test_the_legend_names_each_run_beside_its_colour_in_race_order():
    """The legend's entries, top to bottom: each run's colour sample, then its name; a legend
    drawn for other runs, in another order, or not at all fails."""
    paths = race(QUADRATIC, DEFAULT, 30)
    last = frames(render(QUADRATIC, paths, 30, title=TITLE))[-1]
    s, ss = gif._scale(gif.SIZE), gif.SS
    left, right, _, top = gif._panel(gif.SIZE, TITLE)
    names = [spec.label for spec in optim_core.OPTIMIZERS.values()]
    sample = slice(int(left // ss), int(left // ss + 26 * s))  # the entries' colour samples
    rows = []
    for p in paths:
        block = last[int(top // ss) :, sample]
        mine = np.abs(block - rgb(p.name)).max(axis=-1) <= 12
        assert mine.sum() >= 40, f"no colour sample for {p.name} in the legend"
        row = int(top // ss) + float(np.nonzero(mine)[0].mean())  # the sample's middle
        rows.append(row)
        text_top = round(row * ss - 9 * ss * s)  # the name's top, as drawn beside the sample
        region = (int(left // ss + 30 * s), int(row) - 12, int(right // ss), int(row) + 10)
        at = (left + 34 * ss * s, text_top)
        assert reads(last, region, FONTS.legend, at, "la", names) == p.label.split(" (")[0]
    assert rows == sorted(rows) and min(np.diff(rows)) > 17  # one entry under the other


def test_the_tick_labels_say_the_coordinate_under_their_tick():
    """Under the map, each tick mark's label is the x at the mark's column (worked out here
    from the map's box and window), so the axis cannot be shifted or mislabelled."""
    paths = race(QUADRATIC, ("gd",), 10)
    first = frames(render(QUADRATIC, paths, 10))[0]
    (xlo, xhi), _ = QUADRATIC.window
    box = gif.map_box(QUADRATIC.window)
    bottom = box.top + box.height
    # The tick marks: grey columns under the frame, one or two pixels wide (a mark that falls
    # between two pixels is drawn half in each); a mark's place is its darkness-weighted middle.
    dark = 255 - first[bottom + 2 : bottom + 5].min(axis=-1).min(axis=0).astype(float)
    dark[: box.left] = dark[box.left + box.width :] = 0
    marked = np.nonzero(dark > 25)[0]
    groups = np.split(marked, np.nonzero(np.diff(marked) > 1)[0] + 1)
    places = [float((g + 0.5) @ dark[g] / dark[g].sum()) for g in groups if len(g)]
    assert len(places) >= 4, places
    labels = {f"{v:g}".replace("-", "−"): v for v in np.arange(-10, 11)}
    for place in places:
        x = xlo + (place - box.left) / box.width * (xhi - xlo)
        assert x == pytest.approx(round(x), abs=0.02), "a tick off a round number"
        col = int(place)
        region = (col - 14, bottom + 8, col + 15, bottom + 24)
        at = (place * gif.SS, (bottom + 1) * gif.SS + 1.4 * 5 * gif.SS)
        text = reads(first, region, FONTS.tick, at, "mt", labels)
        assert labels[text] == round(x)
