"""Figure builders are data in, figure out: tested without Streamlit."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from ui.figures import encoding, landscape, player, style, traces
from ui.figures import race as race_figures
from ui.figures import train as train_figures
from ui.figures.landscape import Grid, Path

WINDOW = ((-2.0, 2.0), (-1.0, 3.0))


def grid() -> Grid:
    xs, ys = np.linspace(-2, 2, 30), np.linspace(-1, 3, 30)
    return Grid(xs, ys, np.add.outer(ys**2, xs**2), "f")


def spiral(n: int) -> np.ndarray:
    t = np.linspace(0, 6, n)
    return np.stack([np.exp(-t / 3) * np.cos(t), np.exp(-t / 3) * np.sin(t)], axis=1)


def decode(spec: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(spec["bdata"]), "<" + spec["dtype"])


def build(paths, steps, minima=None) -> dict:
    minima = np.array([[1.0, 1.0]]) if minima is None else minima
    return race_figures.race_figure(
        landscape.contour_png(grid().z), paths, WINDOW, minima, steps=steps
    )


def test_frames_animate_only_trails_and_markers():
    paths = [
        Path("gd", "GD", spiral(201), np.logspace(0, -6, 201)),
        Path("adam", "Adam", spiral(201) * 0.5, np.logspace(0, -3, 201)),
    ]
    fig = build(paths, steps=200)
    uids = [t["meta"] for t in fig["data"]]
    assert len(fig["frames"]) == player.MAX_FRAMES
    for frame in fig["frames"]:
        assert sorted(uids[i].split("-")[0] for i in frame["traces"]) == sorted(
            ["trail", "trail", "marker", "marker", "lossmarker", "lossmarker"]
        )
        for i, data in zip(frame["traces"], frame["data"], strict=True):
            assert "type" not in data or data["type"] == fig["data"][i]["type"]
    assert fig["frames"][0]["name"] == "0" and fig["frames"][-1]["name"] == "200"
    assert [s["label"] for s in fig["layout"]["sliders"][0]["steps"]] == [
        f["name"] for f in fig["frames"]
    ]


def test_plotly_player_is_optional_and_plays_every_frame():
    paths = [Path("gd", "GD", spiral(51), np.logspace(0, -6, 51))]
    bare = race_figures.race_figure(
        landscape.contour_png(grid().z), paths, WINDOW, np.zeros((0, 2)), steps=50, player=False
    )
    assert "sliders" not in bare["layout"] and "updatemenus" not in bare["layout"]
    fig = build(paths, steps=50, minima=np.zeros((0, 2)))
    play, fast, pause = fig["layout"]["updatemenus"][0]["buttons"]
    assert play["args"][1]["frame"] == {"duration": player.FRAME_MS, "redraw": False}
    assert fast["args"][1]["frame"]["duration"] < player.FRAME_MS
    assert pause["args"][0] == [None]
    # the same frames either way: the app's element plays them with its own controls
    assert bare["frames"] == fig["frames"] and bare["data"] == fig["data"]


@pytest.mark.parametrize("steps", [10, 200, 2000])
def test_motion_stands_for_the_frames_in_a_fraction_of_the_bytes(steps):
    paths = [
        Path("gd", "GD", spiral(steps + 1), np.logspace(0, -6, steps + 1)),
        Path("adam", "Adam", 3 * spiral(steps // 2), np.logspace(0, 3, steps // 2), steps // 2),
    ]
    args = (landscape.contour_png(grid().z), paths, WINDOW, np.zeros((0, 2)))
    framed = race_figures.race_figure(*args, steps=steps, player=False)
    moving = race_figures.race_figure(*args, steps=steps, player=False, motion=True)
    assert "frames" not in moving and moving["data"] == framed["data"]
    assert player.motion_frames(moving) == framed["frames"]
    assert moving["motion"]["paths"] == [0, 1]  # the faint whole paths the trails are cut from
    size = len(json.dumps(moving["motion"]))
    assert size < len(json.dumps(framed["frames"])) / (2 if steps == 10 else 4)


@pytest.mark.parametrize(("lo", "hi", "most"), [(0, 0, 16), (3, 18, 16), (0, 16, 16), (5, 96, 16)])
def test_thinned_trails_keep_both_ends_evenly_spread(lo, hi, most):
    kept = player.thin_indices(lo, hi, most)
    assert kept[0] == lo and kept[-1] == hi and len(kept) == min(most, hi - lo + 1)
    gaps = np.diff(kept)
    assert (gaps >= 1).all()  # no point twice
    assert gaps.size == 0 or gaps.max() - gaps.min() <= 1  # evenly spread


def test_tick_labels_are_drawn_without_measuring_each_on_every_redraw():
    layout = build([Path("gd", "GD", spiral(11), np.ones(11))], steps=10)["layout"]
    for axis in ("xaxis", "yaxis", "xaxis2", "yaxis2"):
        assert layout[axis]["ticklabeloverflow"] == "allow", axis
    assert layout["margin"]["r"] >= 20  # room for the loss panel's last tick label


def test_click_grid_covers_the_window_only_when_asked():
    paths = [Path("gd", "GD", spiral(11), np.ones(11))]
    assert not any(t.get("meta") == "click-grid" for t in build(paths, steps=10)["data"])
    fig = race_figures.race_figure(
        landscape.contour_png(grid().z), paths, WINDOW, np.zeros((0, 2)), steps=10, click_targets=5
    )
    (targets,) = [t for t in fig["data"] if t.get("meta") == "click-grid"]
    xs, ys = decode(targets["x"]), decode(targets["y"])
    assert len(xs) == len(ys) == 25
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (-2.0, 2.0, -1.0, 3.0)
    assert targets["marker"]["opacity"] == 0


def test_short_runs_get_one_frame_per_step():
    fig = build([Path("gd", "GD", spiral(11), np.ones(11))], steps=10)
    assert [f["name"] for f in fig["frames"]] == [str(k) for k in range(11)]
    last = fig["frames"][-1]["data"]
    marker = last[1]
    assert marker["x"][0] == pytest.approx(spiral(11)[-1, 0], abs=1e-4)


def test_diverged_run_stops_at_the_map_edge_with_a_cross():
    xy = np.array([[0.0, 0.0], [1.0, 1.0], [30.0, -50.0]])
    fig = build([Path("gd", "GD", xy, np.array([1.0, 2.0, 3e3]), diverged_at=3)], steps=50)
    last_marker = fig["frames"][-1]["data"][1]
    (x0, x1), (y0, y1) = WINDOW
    assert x0 <= last_marker["x"][0] <= x1 and y0 <= last_marker["y"][0] <= y1
    assert last_marker["marker"]["symbol"] == "x"
    json.dumps(fig, allow_nan=False)


def test_contour_is_a_background_image_of_the_window():
    fig = build([Path("gd", "GD", spiral(11), np.ones(11))], steps=10)
    (image,) = fig["layout"]["images"]
    assert image["layer"] == "below" and image["sizing"] == "stretch"
    assert (image["x"], image["y"]) == (WINDOW[0][0], WINDOW[1][1])  # top-left corner
    assert (image["sizex"], image["sizey"]) == (4.0, 4.0)


def test_contour_picture_has_bands_isolines_and_the_minimum_at_the_right_place():
    import io

    from PIL import Image

    xs, ys = np.linspace(-1, 1, 101), np.linspace(-1, 1, 101)
    z = np.add.outer((ys - 0.5) ** 2, xs**2)  # minimum at x = 0, y = 0.5
    uri = landscape.contour_png(z, levels=10)
    png = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    picture = np.asarray(png.convert("RGB"))
    assert picture.shape == (101, 101, 3)
    assert np.array_equal(picture, np.asarray(landscape.contour_picture(z, levels=10)))
    brightness = picture.sum(axis=2)
    rows, cols = np.nonzero(brightness == brightness.max())  # the lowest band is the lightest
    assert abs(cols.mean() - 50) < 1 and abs(rows.mean() - 25) < 1  # y = 0.5: a quarter down
    assert len(np.unique(brightness)) >= 10  # ten bands, plus darker isoline pixels


def test_a_non_finite_value_takes_the_highest_band():
    z = np.add.outer(np.linspace(0, 1, 40), np.linspace(0, 1, 30))
    holed = z.copy()
    holed[20, 10], holed[5, 25] = np.nan, np.inf
    index, _ = landscape.contour_bands(holed, levels=8)
    expected, _ = landscape.contour_bands(np.where(np.isfinite(holed), holed, z.max()), levels=8)
    assert np.array_equal(index, expected)  # row 0 of the picture is z's last row
    assert index[39 - 20, 10] % 8 == 7 and index[39 - 5, 25] % 8 == 7
    nothing, _ = landscape.contour_bands(np.full((3, 4), np.nan), levels=8)
    assert (nothing % 8 == 7).all()


def test_static_arrays_are_compact_typed_arrays():
    fig = build([Path("gd", "GD", spiral(101), np.ones(101))], steps=100)
    path = next(t for t in fig["data"] if t["meta"] == "path-gd")
    np.testing.assert_allclose(decode(path["x"]), spiral(101)[:, 0], rtol=1e-6, atol=1e-7)


def test_minima_marked_and_absent_when_unknown():
    fig = build([Path("gd", "GD", spiral(5), np.ones(5))], steps=4)
    assert any(t.get("meta") == "minima" for t in fig["data"])
    fig = build([Path("gd", "GD", spiral(5), np.ones(5))], steps=4, minima=np.zeros((0, 2)))
    assert not any(t.get("meta") == "minima" for t in fig["data"])


def test_every_optimizer_has_its_own_colour_and_symbol():
    import optim_core

    styles = [style.STYLE[name] for name in optim_core.OPTIMIZERS]
    assert len({c for c, _ in styles}) == len(styles)
    assert len({s for _, s in styles}) == len(styles)


def test_dict_figure_hands_over_the_prepared_dict_unvalidated():
    spec = {"data": [{"type": "scatter", "x": [1], "y": [2]}], "layout": {}, "frames": []}
    assert encoding.DictFigure(spec).to_dict() is spec


def test_surface_figure_puts_paths_on_the_surface():
    paths = [Path("adam", "Adam", spiral(20), np.ones(20))]
    fig = race_figures.surface_figure(grid(), paths, [np.arange(20.0)])
    assert fig["data"][0]["type"] == "surface"
    line = fig["data"][1]
    assert line["type"] == "scatter3d" and line["line"]["color"] == style.colour("adam")
    lift = decode(line["z"]) - np.arange(20.0)
    assert np.all(lift > 0) and np.ptp(lift) < 1e-5  # lifted evenly just above the surface


def test_a_run_that_blows_up_does_not_squash_the_loss_panel():
    calm = Path("adam", "Adam", spiral(50), np.logspace(1, -4, 50))
    wild = Path("gd", "GD", spiral(10), np.logspace(1, 14, 10), diverged_at=10)
    low, high = traces.loss_range([calm, wild], log=True)
    assert high <= np.log10(100 * 10) + 1
    assert low <= -4


@pytest.mark.parametrize("log", [True, False])
def test_the_loss_panel_holds_its_scale_while_a_curve_changes_a_little(log):
    """The range's ends are rounded out (whole decades, a round step), so a slider move
    that nudges one curve leaves the axis as it was; it still holds every curve."""
    steps = np.arange(50)
    other = Path("adam", "Adam", spiral(50), 30 * 0.8**steps)
    ranges = []
    for rate in (0.90, 0.91, 0.92):
        nudged = Path("gd", "GD", spiral(50), 30 * rate**steps + 0.5)
        low, high = traces.loss_range([other, nudged], log=log)
        curves = np.concatenate([other.loss, nudged.loss])
        shown = np.log10(curves) if log else curves
        assert low < shown.min() and shown.max() < high
        ranges.append((low, high))
    assert ranges[0] == ranges[1] == ranges[2]
    if log:  # whole decades, padded by a tenth of one
        decades = np.floor(np.log10(curves.min())), np.ceil(np.log10(curves.max()))
        pad = traces.LOSS_PAD
        assert ranges[0] == pytest.approx([decades[0] - pad, decades[1] + pad])


def test_class_regions_band_the_predicted_class_by_how_sure_it_is():
    prob = np.array([[1 / 3, 1 / 3, 1 / 3], [0.0, 1.0, 0.0], [0.1, 0.2, 0.7], [0.5, 0.0, 0.5]])
    z = train_figures.class_regions(prob)
    np.testing.assert_allclose(z, [0.0, 1.999, 2.55, 0.25])
    scale = train_figures.region_scale(3)
    assert [s[0] for s in scale] == [0.0, 1 / 3, 1 / 3, 2 / 3, 2 / 3, 1.0]
    assert scale[0][1] == scale[2][1] == train_figures.UNSURE  # each band starts at "unsure"


def test_boundary_grid_draws_regions_for_three_classes_and_contours_for_two():
    grid = np.linspace(-1.0, 1.0, 5)
    points, labels = np.zeros((6, 2)), np.array([0, 1, 2, 0, 1, 2])
    prob = np.random.default_rng(0).dirichlet(np.ones(3), size=(4, 5, 5))
    runs = [train_figures.Boundary("adam", "Adam", np.array([0, 5, 10, 20]), prob)]
    fig = train_figures.boundary_grid(runs, grid, grid, points, labels, class_names=["a", "b", "c"])
    assert [t["type"] for t in fig["data"]] == ["heatmap", "scatter", "scatter", "scatter"]
    assert fig["data"][0]["colorbar"]["ticktext"] == ["a", "b", "c"]
    assert len(fig["frames"]) == 4
    # the shared player: it opens at the last snapshot, which the data shows; Play runs from
    # the first, and every frame redraws (a heatmap's z changes only on a redraw)
    slider, (play, fast, _) = (
        fig["layout"]["sliders"][0],
        fig["layout"]["updatemenus"][0]["buttons"],
    )
    assert slider["active"] == 3 and [s["label"] for s in slider["steps"]] == ["0", "5", "10", "20"]
    assert play["args"][1]["frame"] == {"duration": train_figures.BOUNDARY_FRAME_MS, "redraw": True}
    assert not play["args"][1]["fromcurrent"] and fast["args"][1]["frame"]["redraw"]
    binary = train_figures.Boundary("adam", "Adam", np.array([0, 5]), prob[:2, ..., :2])
    fig = train_figures.boundary_grid([binary], grid, grid, points[:4], labels[:4] % 2)
    assert [t["type"] for t in fig["data"]] == ["contour", "scatter", "scatter"]
