"""End to end: the real app in headless Chromium — move a slider, press Play, watch the map.

Skips, loudly, when Debian's Chromium is missing; CI turns such a skip into a failure.
Screenshots go to bench/out/ (git-ignored).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from e2e_support import (
    DESKTOP,
    LINK_START_MOVED,
    MAP_SELECTOR,
    OUT_DIR,
    RECORD_DRAWS,
    RECORD_MESSAGES,
    address,
    chromium_page,
    launch_chromium,
    link_start,
    received_messages,
    runs_started,
    slider_thumb,
    wait_until_idle,
)

from ui import plotly_element
from ui.figures.player import FRAME_MS, TRAIL_POINTS

pytestmark = pytest.mark.browser

LR_SLIDER_KEY = "hp_gd_lr"
EXCEPTION = '[data-testid="stException"]'
# The contour is a layout image behind the plot (animations drop contour traces).
CONTOUR_IMAGE = f"{MAP_SELECTOR} .imagelayer image"
TIMEOUT_MS = 60_000
# The map's own player (ui.plotly_element): Play / Pause button and the step readout.
PLAY = ".st-key-map .pg-play"
READOUT = ".st-key-map .pg-readout"
STEP = ".st-key-map .pg-step"

# The trajectory traces as JSON: changes when a slider does.
PATHS_SIGNATURE = """(sel) => {
  const gd = document.querySelector(sel);
  if (!gd || !gd.data || !gd._fullLayout) return null;
  return JSON.stringify(gd.data.map((t) => [t.x, t.y]));
}"""

# Indices of the map's moving-marker traces: uid or meta "marker-<name>". plotly.py drops
# uids when Streamlit serialises a figure, so when no trace is tagged, the markers are the
# animated traces (those the frames update) drawn as markers only on the map's axes.
MARKER_TRACES = """(sel) => {
  const gd = document.querySelector(sel);
  const tagged = (t) => [t.uid, ...[].concat(t.meta ?? [])]
    .some((v) => typeof v === "string" && v.startsWith("marker-"));
  const byTag = gd.data.flatMap((t, i) => (tagged(t) ? [i] : []));
  if (byTag.length) return byTag;
  const frames = (gd._transitionData && gd._transitionData._frames) || [];
  const animated = [...new Set(frames.flatMap((f) => f.traces ?? []))];
  return animated.filter((i) => gd.data[i].mode === "markers" && (gd.data[i].xaxis ?? "x") === "x");
}"""

# Coordinates of the given traces as Plotly holds them after defaults (base64 arrays decoded).
COORDINATES = """([sel, indices]) => {
  const gd = document.querySelector(sel);
  const full = gd._fullData ?? gd.data;
  const xy = (t) => [Array.from(t.x ?? []), Array.from(t.y ?? [])];
  return JSON.stringify(indices.map((i) => xy(full[i])));
}"""

# The contour image as drawn: its size on screen and whether its picture has loaded.
CONTOUR_DRAWN = """(sel) => {
  const gd = document.querySelector(sel);
  const image = gd.querySelector(".imagelayer image");
  if (!image) return null;
  const box = image.getBBox();
  const href = image.getAttribute("href") || image.getAttribute("xlink:href") || "";
  return { width: box.width, height: box.height, png: href.startsWith("data:image/png") };
}"""

# Called every animation frame while playing (at least 30, about half a second): collects the
# markers' distinct positions, in the order shown, and counts the frames in which the contour
# layer was not drawn.
WATCH_PLAYBACK = (
    """([sel, indices]) => {
  const w = (window.__playback ??= { positions: new Set(), frames: 0, noContour: 0 });
  const gd = document.querySelector(sel);
  w.frames += 1;
  if (!gd.querySelector(".imagelayer image")) w.noContour += 1;
  w.positions.add(("""
    + COORDINATES
    + """)([sel, indices]));
  const done = w.positions.size >= 4 && w.frames >= 30;
  return done && { positions: [...w.positions], frames: w.frames, noContour: w.noContour };
}"""
)

# The markers' coordinates in each of the player's frames (built by the element from the
# figure's motion), as COORDINATES gives them.
FRAME_MARKERS = """([sel, indices]) => {
  const player = document.querySelector(sel).closest(".pg-root").player;
  return player.frames.map((f) => JSON.stringify(indices.map((i) => {
    const d = f.data[f.traces.indexOf(i)];
    return [Array.from(d.x), Array.from(d.y)];
  })));
}"""


# From the next animation frame until ``window.__watching`` is false: the markers'
# coordinates in every frame, in ``window.__seen``.
WATCH_MARKERS = (
    """([sel, indices]) => {
  window.__seen = [];
  window.__watching = true;
  const look = () => {
    window.__seen.push(("""
    + COORDINATES
    + """)([sel, indices]));
    if (window.__watching) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}"""
)


@pytest.fixture
def page(chromium_path: str, server):
    with chromium_page(chromium_path, DESKTOP, TIMEOUT_MS) as page:
        page.clock.install()  # Playwright's clock: runs as a real one until a test stops it
        page.goto(server.url)
        yield page


def assert_no_exception(page, server) -> None:
    shown = page.locator(EXCEPTION)
    if shown.count():
        pytest.fail(
            f"the page shows an exception: {shown.first.inner_text()}\n"
            f"server log:\n{server.log_tail()}"
        )


def move_and_wait(page, thumb, key: str) -> None:
    """Press ``key`` on a slider's ``thumb``; return once the map's paths are redrawn."""
    before = page.evaluate(PATHS_SIGNATURE, MAP_SELECTOR)
    thumb.press(key)
    page.wait_for_function(
        f"([sel, before]) => ({PATHS_SIGNATURE})(sel) !== before", arg=[MAP_SELECTOR, before]
    )
    wait_until_idle(page)


# Collects what Streamlit tells a host page (itself, at the top) when st.query_params changes.
LISTEN_FOR_QUERY = (
    "window.told = []; window.addEventListener('message', (e) =>"
    " e.data?.type === 'SET_QUERY_PARAM' && told.push(e.data.queryParams));"
)


def wait_for_link(page, lr: str) -> None:
    """Until the address bar of ``page`` (or of a frame) holds GD's η ``lr``: the map's
    element writes it a frame after the redraw."""
    page.wait_for_function(
        "(lr) => new URLSearchParams(location.search).get('gd.lr') === lr", arg=lr
    )


def test_slider_then_play_moves_the_marker_over_the_contour(page, server) -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    page.wait_for_selector(f"{CONTOUR_IMAGE}, {EXCEPTION}", state="attached")
    assert_no_exception(page, server)
    wait_until_idle(page)
    page.screenshot(path=OUT_DIR / "playground.png", full_page=True)
    contour = page.evaluate(CONTOUR_DRAWN, MAP_SELECTOR)
    assert contour is not None, "the map has no contour image"
    assert contour["png"], "the contour image is not the PNG the app sent"
    assert contour["width"] > 200 and contour["height"] > 200, f"contour drawn as {contour}"

    # Move the learning rate one notch: the paths are recomputed and redrawn.
    paths_before = page.evaluate(PATHS_SIGNATURE, MAP_SELECTOR)
    thumb = slider_thumb(page, LR_SLIDER_KEY)
    lr_before = thumb.get_attribute("aria-valuetext")
    thumb.press("ArrowRight")
    page.wait_for_function(
        f"""([sel, before]) => {{
          if (document.querySelector('{EXCEPTION}')) return true;
          const now = ({PATHS_SIGNATURE})(sel);
          return now !== null && now !== before;
        }}""",
        arg=[MAP_SELECTOR, paths_before],
    )
    assert_no_exception(page, server)
    wait_until_idle(page)
    lr_after = thumb.get_attribute("aria-valuetext")
    assert lr_after != lr_before
    page.wait_for_selector(CONTOUR_IMAGE, state="attached")
    # Only the race reran (a fragment), yet the link follows; the sidebar keeps its caption.
    wait_for_link(page, lr_after)
    assert page.locator(SIDEBAR_CONTROLS).count() == 1

    # Press Play: the markers take several positions, over a contour drawn all along.
    markers = page.evaluate(MARKER_TRACES, MAP_SELECTOR)
    assert markers, "no animated marker trace in the map"
    start = page.evaluate(COORDINATES, [MAP_SELECTOR, markers])
    assert page.locator(READOUT).inner_text().startswith("step 0 of ")
    page.wait_for_function(f"() => document.querySelector('{STEP}').max > 0")  # frames built
    frames = page.evaluate(FRAME_MARKERS, [MAP_SELECTOR, markers])
    flat = lambda text: np.ravel(json.loads(text))  # noqa: E731 - [[x], [y]] per marker
    assert flat(start) == pytest.approx(flat(frames[0]), rel=1e-6)  # before Play: step 0
    page.locator(PLAY).click()
    playback = page.wait_for_function(
        WATCH_PLAYBACK, arg=[MAP_SELECTOR, markers], polling="raf", timeout=15_000
    ).json_value()
    page.screenshot(path=OUT_DIR / "playground_playing.png", full_page=True)
    # The markers went through the app's frames, in order: the positions are the frames'.
    shown = [frames.index(p) if p in frames else p for p in playback["positions"]]
    assert all(isinstance(k, int) for k in shown), f"markers off every frame: {shown}"
    assert shown == sorted(shown) and len(shown) >= 4 and shown[-1] >= 3, shown
    assert playback["noContour"] == 0, (
        f"the contour layer was missing in {playback['noContour']} of {playback['frames']}"
        " animation frames while the markers moved"
    )
    assert page.evaluate(CONTOUR_DRAWN, MAP_SELECTOR)["width"] > 200, "the contour is gone"
    assert_no_exception(page, server)

    # Pause holds the step; the step slider scrubs; a new η keeps the step on screen.
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)  # the clock moves by hand
    page.locator(PLAY).click()
    assert page.locator(PLAY).inner_text().endswith("Play")
    paused = page.locator(READOUT).inner_text()
    held = page.evaluate(COORDINATES, [MAP_SELECTOR, markers])
    page.clock.run_for(20 * FRAME_MS)  # 20 frames' time
    assert page.locator(READOUT).inner_text() == paused
    assert page.evaluate(COORDINATES, [MAP_SELECTOR, markers]) == held
    page.clock.resume()
    page.locator(STEP).fill("100")  # far past where it paused
    page.wait_for_function(
        "([sel, before]) => document.querySelector(sel).textContent !== before",
        arg=[READOUT, paused],
    )
    tenth = page.locator(READOUT).inner_text().split()[1]
    assert 0 < int(tenth) < 200
    assert page.evaluate(COORDINATES, [MAP_SELECTOR, markers]) != start
    # The new figure is drawn at that step, not at step 0 until the player's frames are
    # built: in no animation frame are the markers back at the start.
    page.evaluate(WATCH_MARKERS, [MAP_SELECTOR, markers])
    move_and_wait(page, thumb, "ArrowLeft")
    page.wait_for_function(
        f"() => document.querySelector('{MAP_SELECTOR}').closest('.pg-root').player.ready"
    )
    page.evaluate("window.__watching = false")
    assert page.locator(READOUT).inner_text().startswith(f"step {tenth} of")
    seen = page.evaluate("window.__seen")
    assert len(seen) >= 2 and start not in seen, "the markers went back to the start"


# Per legend group of the map's traces: whether Plotly draws it ("legendonly" hides it).
VISIBILITY = """(sel) => {
  const gd = document.querySelector(sel);
  const out = {};
  gd._fullData.forEach((t) => { if (t.legendgroup) out[t.legendgroup] = t.visible; });
  return out;
}"""


SIDEBAR_CONTROLS = "[data-testid=stSidebarContent] [data-testid=stElementContainer]"


def toggle_sidebar(page, shown: bool) -> None:
    """Open the sidebar (``shown``) or collapse it, as a learner's click does."""
    if shown:
        page.locator('[data-testid="stExpandSidebarButton"]').click()
    else:
        page.locator('[data-testid="stSidebar"]').hover()  # its button shows on hover
        page.locator('[data-testid="stSidebarCollapseButton"] button').click()
    page.wait_for_function(
        "(shown) => document.querySelector('[data-testid=stSidebar]')"
        ".getAttribute('data-collapsed') === String(!shown)",
        arg=shown,
    )


def test_the_sidebar_holds_its_controls_only_while_open(page, server) -> None:
    """Collapsed, as the page starts, the playground's sidebar holds none of its controls
    (pages/playground.py, sidebar_drawn): each would cost every message of every move a React
    pass. Opened, they come; collapsed, they go; what they set stays. The landscape's
    controls are the map's, sidebar or not."""
    page.wait_for_selector(CONTOUR_IMAGE, state="attached")
    wait_until_idle(page)
    preset = page.locator(".st-key-preset")
    assert preset.count() == 0
    assert page.locator(SIDEBAR_CONTROLS).count() == 1  # a caption: something to open
    # The sharing tools are the sidebar's too: no popover or expander under the stage.
    assert page.locator('[data-testid="stPopover"], [data-testid="stExpander"]').count() == 0
    page.locator('.st-key-stage_design input[data-key="hp_gd_lr"]').wait_for()  # once the map is
    toggle_sidebar(page, True)
    preset.wait_for(state="visible")
    page.get_by_role("button", name=DOWNLOADS).wait_for()
    assert page.get_by_text("Make an exercise link").count() == 1
    wait_until_idle(page)
    steps = slider_thumb(page, "steps")
    move_and_wait(page, steps, "ArrowRight")
    value = steps.get_attribute("aria-valuetext")
    toggle_sidebar(page, False)
    page.wait_for_function(
        "(sel) => document.querySelectorAll(sel).length === 1", arg=SIDEBAR_CONTROLS
    )
    wait_until_idle(page)
    assert preset.count() == 0
    toggle_sidebar(page, True)
    assert slider_thumb(page, "steps").get_attribute("aria-valuetext") == value
    assert f"steps={value}" in address(page)
    assert_no_exception(page, server)


def test_the_pages_first_run_draws_the_cards_with_the_map(chromium_path, server) -> None:
    """The design's cards are one element of native inputs: the page's first run draws them
    beside the map (pages/playground.py, cards), and their sliders show without a click. The
    landscape's controls are the map's own, drawn with it."""
    with chromium_page(chromium_path, DESKTOP, TIMEOUT_MS) as page:
        page.add_init_script(f"({RECORD_MESSAGES})()")
        page.goto(server.url)
        for key in ("hp_gd_lr", "hp_adam_beta2"):
            slider_thumb(page, key)  # waits until it is visible
        wait_until_idle(page)
        messages = received_messages(page)
        starts = [i for i, m in enumerate(messages) if m.HasField("new_session")]
        assert list(messages[starts[0]].metadata.run.fragment_ids) == []  # a full run
        first_run = messages[starts[0] : starts[1] if len(starts) > 1 else None]
        drawn = [
            m.delta.new_element.bidi_component.id
            for m in first_run
            if m.delta.new_element.HasField("bidi_component")
        ]
        assert any(i.endswith("-map") for i in drawn) and any(
            i.endswith("-sliders") for i in drawn
        ), drawn
        landscape = page.locator(".st-key-map .pg-land input[type=range]")
        landscape.nth(1).wait_for()
        assert landscape.count() == 2  # κ and θ
        assert_no_exception(page, server)


def test_a_collapsed_sidebar_holds_no_control_in_the_page(page, server) -> None:
    """On a page that draws its sidebar's controls always (the sweep maps), a collapsed
    sidebar's are out of the layout and the tab order (ui/theme.py), not only off screen."""
    page.goto(server.url + "sweep")
    controls = page.locator(f"{SIDEBAR_CONTROLS} input")
    controls.first.wait_for(state="visible")
    wait_until_idle(page)
    toggle_sidebar(page, False)
    assert controls.count() and not controls.first.is_visible()
    assert page.evaluate("(el) => el.getClientRects().length", controls.first.element_handle()) == 0
    for _ in range(40):  # Tab through the page: focus never lands in the sidebar
        page.keyboard.press("Tab")
        assert not page.evaluate(
            "() => !!document.activeElement?.closest('[data-testid=stSidebarContent]')"
        )
    toggle_sidebar(page, True)
    controls.first.wait_for(state="visible")
    assert_no_exception(page, server)


def test_the_legend_hides_an_optimizer_until_clicked_again(page, server) -> None:
    page.wait_for_selector(f"{CONTOUR_IMAGE}, {EXCEPTION}", state="attached")
    wait_until_idle(page)
    entry = page.locator(".st-key-map .pg-legend button", has_text="Momentum (η 0.05, β 0.9)")
    assert entry.get_attribute("aria-pressed") == "true"
    assert not page.locator(f"{MAP_SELECTOR} .legend").count()  # drawn in HTML, not by Plotly
    entry.click()
    page.wait_for_function(
        f"(sel) => ({VISIBILITY})(sel).momentum === 'legendonly'", arg=MAP_SELECTOR
    )
    assert page.evaluate(VISIBILITY, MAP_SELECTOR)["adam"] is True
    # it stays hidden when the race is redrawn
    move_and_wait(page, slider_thumb(page, LR_SLIDER_KEY), "ArrowRight")
    assert page.evaluate(VISIBILITY, MAP_SELECTOR)["momentum"] == "legendonly"
    assert entry.get_attribute("aria-pressed") == "false"
    entry.click()
    page.wait_for_function(f"(sel) => ({VISIBILITY})(sel).momentum === true", arg=MAP_SELECTOR)
    assert_no_exception(page, server)


def test_a_click_on_the_map_moves_the_start_point(page, server) -> None:
    page.wait_for_selector(f"{CONTOUR_IMAGE}, {EXCEPTION}", state="attached")
    wait_until_idle(page)
    start = link_start(page)
    plot_area = page.locator(f"{MAP_SELECTOR} .nsewdrag").first.bounding_box()
    # three quarters across and a quarter down the map: x > 0, y > 0 on every landscape window
    page.mouse.click(
        plot_area["x"] + 0.75 * plot_area["width"], plot_area["y"] + 0.25 * plot_area["height"]
    )
    page.wait_for_function(LINK_START_MOVED, arg=start[0])
    wait_until_idle(page)
    assert_no_exception(page, server)
    x0, y0 = link_start(page)
    assert (x0, y0) != start
    toggle_sidebar(page, True)  # the start point's boxes say the same
    # (Streamlit's number box shows 0 for a frame before its value: wait, up to 5 s.)
    page.wait_for_function(
        "([x0, y0]) => ['x0', 'y0'].map((k) => Number(document.querySelector("
        "`.st-key-${k} input`)?.value)).join() === [x0, y0].join()",
        arg=[x0, y0],
        timeout=5_000,
    )
    # the point under the pointer: three quarters along x's range, a quarter down y's
    (xlo, xhi), (ylo, yhi) = page.evaluate(
        "(sel) => { const l = document.querySelector(sel)._fullLayout;"
        " return [l.xaxis.range, l.yaxis.range]; }",
        MAP_SELECTOR,
    )
    assert x0 == pytest.approx(xlo + 0.75 * (xhi - xlo), abs=0.01 * (xhi - xlo))
    assert y0 == pytest.approx(yhi - 0.25 * (yhi - ylo), abs=0.01 * (yhi - ylo))
    query = parse_qs(urlparse(address(page)).query)
    assert float(query["x0"][0]) == x0 and float(query["y0"][0]) == y0  # the link follows


DOWNLOADS = "Download the race"  # the popover that holds the three download buttons


def open_sharing(page) -> None:
    """Open the sidebar, which holds the downloads and the exercise link builder, if it is
    collapsed (as the page starts), and wait for its controls."""
    if page.locator('[data-testid="stSidebar"]').get_attribute("data-collapsed") == "true":
        toggle_sidebar(page, True)
    page.get_by_role("heading", name="Share").wait_for()
    wait_until_idle(page)


def download(page, button: str):
    """Open the downloads popover if need be, click ``button``; the download."""
    open_sharing(page)
    if not page.get_by_role("button", name=button).count():
        page.get_by_role("button", name=DOWNLOADS).click()
    # An open popover stays by its button: bring that on screen (a slider move scrolls away).
    page.get_by_role("button", name=DOWNLOADS).scroll_into_view_if_needed()
    page.get_by_role("button", name=button).wait_for()
    wait_until_idle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name=button).click()
    return download.value


def test_the_downloads_export_the_race_on_screen(page, server) -> None:
    import csv
    import io

    from PIL import Image

    page.wait_for_selector(MAP_SELECTOR)
    wait_until_idle(page)
    gif = download(page, "Animation (GIF)")
    assert gif.suggested_filename == "optimizer-race.gif"
    picture = Image.open(gif.path())
    assert picture.format == "GIF" and picture.size == (640, 480)
    assert picture.n_frames > 50  # the default scene's 200 steps, thinned to ≤ 100 frames

    # After an η move (which reruns the race alone) the files follow the new race.
    thumb = slider_thumb(page, LR_SLIDER_KEY)
    move_and_wait(page, thumb, "ArrowLeft")
    lr = float(thumb.get_attribute("aria-valuetext"))
    table = download(page, "Trajectories (CSV)")
    rows = list(csv.DictReader(io.StringIO(Path(table.path()).read_text(encoding="utf-8"))))
    gd = {float(r["lr"]) for r in rows if r["optimizer"] == "Gradient descent" and r["lr"]}
    assert gd == {lr}
    html = Path(download(page, "Animation (HTML)").path()).read_text(encoding="utf-8")
    legend = [f"Gradient descent ({eta} {lr:g})" for eta in ("η", "\\u03b7")]  # maybe escaped
    assert "Plotly.newPlot" in html and any(entry in html for entry in legend)
    assert_no_exception(page, server)


def test_the_exercise_link_builder_follows_a_move_while_open(page, server) -> None:
    page.wait_for_selector(MAP_SELECTOR)
    wait_until_idle(page)
    open_sharing(page)
    page.get_by_text("Make an exercise link").click()
    link = page.locator(".st-key-open_exercise code").filter(has_text="?")
    link.wait_for()
    thumb = slider_thumb(page, LR_SLIDER_KEY)
    move_and_wait(page, thumb, "ArrowRight")
    lr = thumb.get_attribute("aria-valuetext")
    assert parse_qs(urlparse(link.inner_text()).query)["gd.lr"] == [lr]
    # The landscape's controls are the map's: a move of theirs redraws the link too.
    kappa = page.locator(".st-key-map .pg-land input[data-param=kappa]")
    move_and_wait(page, kappa, "ArrowRight")
    shown = kappa.get_attribute("aria-valuetext")
    page.wait_for_function(
        "([sel, v]) => document.querySelector(sel)?.textContent.includes(`land.kappa=${v}`)",
        arg=[".st-key-open_exercise code", shown],
    )
    assert_no_exception(page, server)


def test_closing_the_sidebar_closes_its_sharing_tools(page, server) -> None:
    """While the exercise link builder is open a move reruns the whole page, so the link
    follows it (pages/playground.py, rerun_only), and with its challenge on the map shows
    the race as students will first see it. Collapsing the sidebar, which then holds no
    controls, closes the builder at once: the race is on show again, and a move reruns the
    race alone."""
    page.wait_for_selector(MAP_SELECTOR)
    wait_until_idle(page)
    table = page.get_by_text("Who converges fastest?")
    table.wait_for()
    open_sharing(page)
    page.get_by_text("Make an exercise link").click()
    page.get_by_text("Challenge: students predict the winner first").click()
    table.wait_for(state="detached")  # the preview: the starts alone
    thumb = slider_thumb(page, LR_SLIDER_KEY)
    page.evaluate(RECORD_MESSAGES)
    thumb.press("ArrowRight")
    page.wait_for_function(  # the move is drawn: the address bar holds it
        "(lr) => new URLSearchParams(location.search).get('gd.lr') === lr",
        arg=thumb.get_attribute("aria-valuetext"),
    )
    wait_until_idle(page)
    assert [] in runs_started(received_messages(page))  # open: a full run
    toggle_sidebar(page, False)
    table.wait_for(timeout=15_000)  # the race again, in the run that closed the sidebar
    wait_until_idle(page)
    page.evaluate(RECORD_MESSAGES)
    move_and_wait(page, thumb, "ArrowRight")
    runs = runs_started(received_messages(page))
    assert runs and all(runs), f"a full run started: {runs}"
    assert_no_exception(page, server)


def test_the_address_bar_follows_moves_without_a_history_entry_each(page, server) -> None:
    """The map's element writes the scene's query (``history.replaceState``): Streamlit's
    own ``st.query_params`` would redraw the whole page, and push an entry per move."""
    page.wait_for_selector(MAP_SELECTOR)
    wait_until_idle(page)
    thumb = slider_thumb(page, LR_SLIDER_KEY)
    move_and_wait(page, thumb, "ArrowRight")
    entries = page.evaluate("history.length")
    # What Streamlit tells a host page (itself, at the top) when st.query_params changes.
    page.evaluate(LISTEN_FOR_QUERY)
    for key in ("ArrowRight", "ArrowRight", "ArrowLeft"):
        move_and_wait(page, thumb, key)
        lr = thumb.get_attribute("aria-valuetext")
        wait_for_link(page, lr)
    assert page.evaluate("history.length") == entries
    assert page.evaluate("window.told") == []  # the server left the address bar alone
    # A reload opens the scene the address bar holds.
    page.reload()
    page.wait_for_selector(MAP_SELECTOR)
    wait_until_idle(page)
    assert slider_thumb(page, LR_SLIDER_KEY).get_attribute("aria-valuetext") == lr
    assert_no_exception(page, server)


def test_in_a_frame_the_link_still_follows_the_moves(page, server) -> None:
    """In a frame (Community Cloud, an LMS) the address bar is the host's: only Streamlit
    reaches it, so the app sets ``st.query_params`` on every move there."""
    app = server.url.rstrip("/")
    host = f"{app}/framehost"
    page.route(
        host,
        lambda route: route.fulfill(
            content_type="text/html",
            body=f"<script>{LISTEN_FOR_QUERY}</script>"
            f'<iframe src="{app}/?embed=true" width="1380" height="980"></iframe>',
        ),
    )
    page.goto(host)
    frame = page.locator("iframe").element_handle().content_frame()
    frame.wait_for_selector(MAP_SELECTOR)
    wait_until_idle(frame)
    thumb = slider_thumb(frame, LR_SLIDER_KEY)
    move_and_wait(frame, thumb, "ArrowRight")
    lr = thumb.get_attribute("aria-valuetext")
    wait_for_link(frame, lr)
    query = parse_qs(urlparse(frame.url).query)
    assert query["embed"] == ["true"]  # Streamlit's embed option is kept
    # Streamlit told the host page the new query, for the address bar it holds.
    told = [parse_qs(q.lstrip("?")) for q in page.evaluate("window.told")]
    assert told and told[-1]["gd.lr"] == [lr]
    assert_no_exception(frame, server)


def test_a_slider_move_starts_no_full_run(page, server) -> None:
    """An η move starts the run of its slider's own fragment, which hands it to the race's:
    Streamlit's page marks everything it holds as running for a full run, not for these."""
    page.wait_for_selector(MAP_SELECTOR)
    wait_until_idle(page)
    thumb = slider_thumb(page, LR_SLIDER_KEY)
    wait_until_idle(page)
    page.evaluate(RECORD_MESSAGES)
    move_and_wait(page, thumb, "ArrowRight")
    messages = received_messages(page)
    runs = runs_started(messages)
    assert runs and all(runs), f"a run with no fragment (a full run) started: {runs}"
    assert any(m.delta.new_element.HasField("bidi_component") for m in messages)  # the map
    assert_no_exception(page, server)


# The rows of the race's table, drawn by the map's element under the chart.
TABLE_ROWS = """(sel) => Array.from(
  document.querySelectorAll(`${sel} .pg-below table.pg-table tbody tr`),
  (tr) => Array.from(tr.cells, (td) => td.textContent))"""


def test_the_table_under_the_map_follows_a_move(page, server) -> None:
    page.wait_for_selector(".st-key-map .pg-below table")
    wait_until_idle(page)
    root = ".st-key-map .pg-root"
    before = page.evaluate(TABLE_ROWS, root)
    assert [row[0] for row in before] == ["Gradient descent", "Momentum", "RMSprop", "Adam"]
    # under the player, inside the element: one element to redraw per move
    order = page.evaluate(
        "(sel) => Array.from(document.querySelector(sel).children, (c) => c.className)", root
    )
    assert order.index("pg-player") < order.index("pg-below")
    move_and_wait(page, slider_thumb(page, LR_SLIDER_KEY), "ArrowLeft")
    # The element replaces the table once the redraw's promise resolves, a frame or more
    # after the paths it waited for: until GD's row is another (or the wait times out).
    page.wait_for_function(
        f"([sel, row]) => JSON.stringify(({TABLE_ROWS})(sel)[0]) !== JSON.stringify(row)",
        arg=[root, before[0]],
    )
    after = page.evaluate(TABLE_ROWS, root)
    assert after[0] != before[0] and after[1:] == before[1:]  # only GD's row changed
    assert page.get_by_text("Who converges fastest?").count() == 1


def html_frames(html: str) -> list[dict]:
    """The animation frames written into a standalone HTML download (``plotly.io.to_html``)."""
    start = html.index("[", html.index("Plotly.addFrames("))
    frames, _ = json.JSONDecoder().raw_decode(html, start)
    return frames


def json_rounded(values, kind: str) -> list[float]:
    """``values`` as the HTML download's JSON writes them (ui.figures.player.frame_data):
    coordinates to 4 decimals (finer than a pixel), losses to 6 significant digits."""
    if kind == "loss":
        return [float(f"{v:.6g}") for v in values]
    return np.round(np.asarray(values, dtype=float), 4).tolist()


def reference_race() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The too-large-lr scene's runs over 1,000 steps, run here: per run, its points and
    f − f* as the map draws them (``report.to_path``: cut where a run left)."""
    import optim_core
    from ui import report

    land = optim_core.LANDSCAPES["quadratic"].with_params(kappa=10.0, angle=30.0)
    hyper = {"gd": {"lr": 0.2}, "momentum": {"lr": 0.2, "beta": 0.5}, "adam": {"lr": 0.2}}
    runs = {}
    for name, given in hyper.items():
        values = {p.name: p.default for p in optim_core.OPTIMIZERS[name].hyperparams} | given
        start = np.asarray(land.start, dtype=float)
        path = report.to_path(name, name, optim_core.run(name, land, start, 1000, **values), land)
        runs[name] = path.xy, path.loss
    assert [len(runs[name][0]) for name in ("gd", "momentum")] == [15, 22]  # as the preset says
    return runs


def test_the_map_builds_the_frames_the_html_download_writes_out(page, server) -> None:
    """The element gets the frames' arrays (``motion``) and builds the frames in JavaScript;
    the HTML download has them written out in Python. Both must show the same animation:
    here with trails thinned (1,000 steps) and a run that leaves the map (pinned, a cross).

    The download's JSON rounds coordinates to 4 decimals and losses to 6 digits: the two
    agree exactly at that rounding. The element's markers are the runs' points as float32
    (the figure's ``f4`` arrays): checked against the runs themselves, to a relative 2⁻²⁴,
    far below Adam's late steps (~1e-22 here, where its points are ~1e-23)."""
    page.goto(server.url + "?preset=too-large-lr&steps=1000")
    page.wait_for_selector(CONTOUR_IMAGE, state="attached")
    wait_until_idle(page)
    page.wait_for_function(f"() => document.querySelector('{STEP}').max > 0")  # frames built
    built = page.evaluate(
        "(sel) => document.querySelector(sel).closest('.pg-root').player.frames", MAP_SELECTOR
    )
    written = html_frames(
        Path(download(page, "Animation (HTML)").path()).read_text(encoding="utf-8")
    )
    assert [f["name"] for f in built] == [f["name"] for f in written]
    assert len(written) == 150 and written[-1]["name"] == "1000"
    symbols = set()
    for ours, theirs in zip(built, written, strict=True):
        assert ours["traces"] == theirs["traces"]
        losses = len(ours["data"]) - len(ours["data"]) // 3  # trails, markers, then losses
        for i, (a, b) in enumerate(zip(ours["data"], theirs["data"], strict=True)):
            assert a.get("marker") == b.get("marker")
            symbols.add((a.get("marker") or {}).get("symbol"))
            assert json_rounded(a["x"], "x") == b["x"]
            assert json_rounded(a["y"], "loss" if i >= losses else "y") == b["y"]
    assert "x" in symbols and len(symbols) > 2  # a crossed marker, and the runs' own symbols
    longest = max(len(d["x"]) for f in written for d in f["data"])
    assert longest == TRAIL_POINTS  # trails were thinned

    # The markers and loss markers against the runs: the point of each frame's step, pinned
    # 1 % inside the map's edge when off it; its f − f*.
    (xlo, xhi), (ylo, yhi) = page.evaluate(ZOOM, MAP_SELECTOR)
    low = np.array([xlo + 0.01 * (xhi - xlo), ylo + 0.01 * (yhi - ylo)])
    high = np.array([xhi - 0.01 * (xhi - xlo), yhi - 0.01 * (yhi - ylo)])
    runs = reference_race()
    steps = np.array([int(f["name"]) for f in built])
    for r, (name, (xy, loss)) in enumerate(runs.items()):
        stops = np.minimum(steps, len(xy) - 1)
        marker = np.array([[f["data"][len(runs) + r][c][0] for c in "xy"] for f in built])
        expected = np.clip(xy[stops], low, high)
        error = np.abs(marker - expected)
        assert (error <= 2.0**-24 * np.abs(expected)).all(), (name, error.max())
        shown_loss = np.array([f["data"][2 * len(runs) + r]["y"][0] for f in built])
        assert shown_loss == pytest.approx(np.maximum(loss[stops], 1e-300), rel=1e-12)
        if name == "adam":  # still moving at the end: its last frames' moves
            late = np.linalg.norm(np.diff(xy[stops[-10:]], axis=0), axis=1)
            assert late.min() > 0 and error[-10:].max() < 1e-3 * late.min()
    assert_no_exception(page, server)


# Every trace of the map: what the element's cached PlotSchema.findArrayAttributes answers,
# and what plotly's own finds (ui.plotly_element.cacheArrayAttributes).
ARRAY_ATTRIBUTES = """(sel) => {
  const schema = window.Plotly.PlotSchema;
  const gd = document.querySelector(sel);
  return {
    cached: typeof schema.findArrayAttributes.uncached === "function",
    traces: gd._fullData.map((t) => [
      t.meta ?? t.name ?? "", schema.findArrayAttributes(t), schema.findArrayAttributes.uncached(t),
    ]),
  };
}"""


def test_the_map_remembers_where_traces_hold_arrays_as_plotly_finds_them(page, server) -> None:
    """Plotly.react walks each trace's attribute schema to find its arrays; the element
    remembers the answer by trace type and array paths. It must answer as plotly does, for
    every kind of trace on the map, after a redraw too (the answers then come from memory)."""
    page.wait_for_selector(CONTOUR_IMAGE, state="attached")
    wait_until_idle(page)
    move_and_wait(page, slider_thumb(page, LR_SLIDER_KEY), "ArrowRight")
    seen = page.evaluate(ARRAY_ATTRIBUTES, MAP_SELECTOR)
    assert seen["cached"]
    assert len(seen["traces"]) >= 20
    for name, cached, plotly_own in seen["traces"]:
        assert sorted(cached) == sorted(plotly_own), name
    assert any("x" in cached and "y" in cached for _, cached, _ in seen["traces"])
    assert_no_exception(page, server)


ZOOM = "(sel) => ['xaxis', 'yaxis'].map((a) => document.querySelector(sel)._fullLayout[a].range)"
CHART_CONFIG = """(sel) => {
  const context = document.querySelector(sel)._context;
  return [context.displaylogo, context.scrollZoom, context.modeBarButtonsToRemove];
}"""


def test_a_move_replots_only_the_moved_optimizer_in_place(page, server) -> None:
    """Plotly.react replots every trace when one changed; a move of Adam's β₁ changes only
    Adam's, which the element hands Plotly.animate (no redraw) alone. Nor does it give
    plotly the config again: react then draws the chart anew (newPlot). The chart keeps
    the app's config, and the learner's zoom."""
    page.wait_for_selector(CONTOUR_IMAGE, state="attached")
    wait_until_idle(page)
    box = page.locator(f"{MAP_SELECTOR} .xy .nsewdrag").bounding_box()
    page.mouse.move(box["x"] + 0.3 * box["width"], box["y"] + 0.3 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.6 * box["width"], box["y"] + 0.6 * box["height"], steps=8)
    page.mouse.up()
    wait_until_idle(page)
    zoom = page.evaluate(ZOOM, MAP_SELECTOR)
    assert zoom[0][1] - zoom[0][0] < 5  # zoomed in from a span of 10
    thumb = slider_thumb(page, "hp_adam_beta1")
    page.evaluate(RECORD_DRAWS, MAP_SELECTOR)
    move_and_wait(page, thumb, "ArrowRight")
    draws = page.evaluate("window.draws")
    assert [kind for kind, _ in draws] == ["animate"], draws
    updated = draws[0][1]
    assert "path-adam" in updated and "loss-adam" in updated
    assert all(meta.endswith("-adam") for meta in updated), updated
    assert page.evaluate(CHART_CONFIG, MAP_SELECTOR) == [False, False, ["select2d", "lasso2d"]]
    assert page.evaluate(ZOOM, MAP_SELECTOR) == zoom
    assert_no_exception(page, server)


# What the learner sees of the map, in drawing order: lines, markers, their labels (legend,
# hover), and the loss axis.
MAP_DRAWN = """(sel) => {
  const gd = document.querySelector(sel);
  const all = (query, read) => Array.from(gd.querySelectorAll(query), read);
  return {
    lines: all(".scatterlayer path.js-line", (p) => p.getAttribute("d")),
    markers: all(".scatterlayer .point", (p) => p.getAttribute("transform")),
    labels: gd._fullData.map((t) => [t.name ?? null, t.hovertemplate ?? null]),
    legend: gd.closest(".pg-root").querySelector(".pg-legend").textContent,
    lossRange: gd._fullLayout.yaxis2.range,
    lossTicks: all(".y2tick text", (t) => t.textContent),
  };
}"""


def test_moves_drawn_in_place_show_what_a_fresh_page_shows(page, server) -> None:
    """After moves drawn in place (Plotly.animate of the moved traces, or react when the
    loss axis' range changed too), the map is the one a fresh page draws for the same
    scene (the address bar keeps it): the same lines in the same order (the moved paths
    stay under the markers), markers, labels and loss axis."""
    page.wait_for_selector(CONTOUR_IMAGE, state="attached")
    wait_until_idle(page)
    thumb = slider_thumb(page, LR_SLIDER_KEY)
    page.evaluate(RECORD_DRAWS, MAP_SELECTOR)
    for _ in range(3):
        move_and_wait(page, thumb, "ArrowRight")
    assert "animate" in [kind for kind, _ in page.evaluate("window.draws")]
    moved = page.evaluate(MAP_DRAWN, MAP_SELECTOR)
    wait_for_link(page, thumb.get_attribute("aria-valuetext"))
    page.reload()
    page.wait_for_selector(CONTOUR_IMAGE, state="attached")
    wait_until_idle(page)
    assert page.evaluate(MAP_DRAWN, MAP_SELECTOR) == moved
    assert_no_exception(page, server)


def test_plotly_js_comes_gzipped_and_else_plain(chromium_path, server) -> None:
    """The page fetches plotly.js gzipped and unpacks it (Streamlit would compress the plain
    file again at every visit: ui/plotly_element.py); when the .gz fails, the plain file."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, chromium_path)
        try:
            for blocked in (None, "plotly-*.min.js.gz"):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(TIMEOUT_MS)
                fetched = []
                page.on("request", lambda request, fetched=fetched: fetched.append(request.url))
                if blocked:
                    page.route(f"**/app/static/{blocked}", lambda route: route.abort())
                page.goto(server.url)
                page.wait_for_selector(CONTOUR_IMAGE, state="attached")
                plotly = [url.rsplit("/", 1)[1] for url in fetched if "/plotly" in url]
                plotly = [name for name in plotly if not name.startswith("plotly_element")]
                if blocked:
                    assert plotly == [plotly_element.PLOTLY_GZ, plotly_element.PLOTLY_JS]
                else:
                    assert plotly == [plotly_element.PLOTLY_GZ]
                assert_no_exception(page, server)
                page.close()
        finally:
            browser.close()


@pytest.mark.parametrize("blocked", ["plotly_element.*.js", "{plotly.min.js,plotly-*.min.js.gz}"])
def test_a_map_whose_code_cannot_load_says_so(chromium_path, server, blocked) -> None:
    """The element's module and plotly.js come from static/ (ui/plotly_element.py); when
    either fails to load (plotly.js: gzipped and plain), the learner reads why where the map
    would be, not a blank."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, chromium_path)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.route(f"**/app/static/{blocked}", lambda route: route.abort())
            page.goto(server.url)
            note = page.locator(".st-key-map .pg-failed")
            note.wait_for()
            text = note.inner_text()
            assert "The map could not be drawn" in text and "Reload the page" in text
            assert not page.locator(MAP_SELECTOR).count()
            assert_no_exception(page, server)
        finally:
            browser.close()


def test_a_locked_challenge_link_reveals_the_race_after_a_guess(page, server) -> None:
    page.goto(server.url + "?preset=narrow-valley&challenge=1&lock=1")
    page.wait_for_selector(MAP_SELECTOR)
    page.locator(".pg-design input[type=range]").first.wait_for()  # the cards came
    wait_until_idle(page)
    assert page.locator(".st-key-landscape").count() == 0  # locked: no landscape picker
    reveal = page.get_by_role("button", name="Reveal the race")
    assert reveal.is_disabled()
    toggle_sidebar(page, True)  # it holds the downloads
    page.get_by_text("Presentation mode").wait_for()  # its controls came
    wait_until_idle(page)
    assert page.get_by_role("button", name=DOWNLOADS).count() == 0  # no peeking
    page.locator(".st-key-guess").get_by_text("Momentum", exact=True).click()
    wait_until_idle(page)
    reveal.click()
    page.get_by_text("Right! Momentum gets there first").wait_for()
    page.get_by_text("Who converges fastest?").wait_for()
    page.get_by_role("button", name=DOWNLOADS).wait_for()  # the race may be downloaded now
    wait_until_idle(page)
    assert page.get_by_text("Who converges fastest?").count() == 1
    assert_no_exception(page, server)
