"""End to end in headless Chromium: a revealed challenge plays before its verdict, and a changed
preset's notice restores it. Skips, loudly, when Debian's Chromium is missing."""

from __future__ import annotations

import pytest
from e2e_support import DESKTOP, MAP_SELECTOR, OUT_DIR, chromium_page, slider_thumb, wait_until_idle

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
END = ".st-key-map .pg-below .pg-at-end"
READOUT = ".st-key-map .pg-readout"
NOTICE = ".st-key-map .pg-above .pg-notice"

# Every animation frame until the verdict shows: the readout, whether the player plays and
# whether the verdict is hidden, then the readout at the moment it appears.
WATCH_VERDICT = f"""() => {{
  const w = (window.__verdict ??= {{ seen: [] }});
  const end = document.querySelector("{END}");
  const readout = document.querySelector("{READOUT}")?.textContent ?? "";
  const playing = (document.querySelector(".st-key-map .pg-play")?.textContent ?? "")
    .includes("Pause");
  if (!end) return false;
  w.seen.push({{ readout, playing, hidden: end.hidden }});
  return !end.hidden && w;
}}"""


@pytest.fixture
def page(chromium_path: str, server):
    with chromium_page(chromium_path, DESKTOP, TIMEOUT_MS) as page:
        yield page


def open_app(page, server, query: str) -> None:
    page.goto(f"{server.url}?{query}")
    page.wait_for_selector(f"{MAP_SELECTOR} .imagelayer image", state="attached")
    wait_until_idle(page)


def test_a_reveal_plays_the_race_before_the_verdict(page, server) -> None:
    open_app(page, server, "preset=saddle-escape&challenge=1")  # 40 steps: a short race
    page.locator(".st-key-guess").get_by_text("Adam", exact=True).click()
    reveal = page.get_by_role("button", name="Reveal the race")
    page.wait_for_function(
        "() => [...document.querySelectorAll('button')].some("
        "(b) => b.textContent.includes('Reveal the race') && !b.disabled)"
    )
    reveal.click()
    seen = page.wait_for_function(WATCH_VERDICT, polling="raf", timeout=30_000).json_value()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    page.locator(END).scroll_into_view_if_needed()
    page.screenshot(path=OUT_DIR / "challenge_verdict.png")
    frames = seen["seen"]
    # The player played from step 0 with the verdict hidden; it shows at the last step.
    assert any(f["playing"] for f in frames), frames[:5]
    assert all(f["hidden"] for f in frames[:-1]), frames
    assert frames[0]["readout"].startswith("step 0 of"), frames[:5]
    step, _, last = frames[-1]["readout"].removeprefix("step ").partition(" of ")
    assert step == last and len({f["readout"] for f in frames}) > 10, frames
    verdict = page.locator(f"{END} .pg-verdict").first.inner_text()
    assert verdict.startswith(("Right!", "Not this time.")), verdict


def test_a_changed_preset_says_so_and_restores(page, server) -> None:
    open_app(page, server, "preset=narrow-valley")
    assert page.locator(NOTICE).count() == 0
    thumb = slider_thumb(page, "hp_momentum_lr")
    before = thumb.get_attribute("aria-valuetext")
    thumb.press("ArrowRight")
    page.wait_for_selector(NOTICE)
    assert "The scene has changed" in page.locator(NOTICE).inner_text()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    page.locator(NOTICE).scroll_into_view_if_needed()
    page.screenshot(path=OUT_DIR / "preset_changed.png")
    wait_until_idle(page)
    page.locator(NOTICE).get_by_role("button", name="Restore the preset").click()
    page.wait_for_selector(NOTICE, state="detached")
    wait_until_idle(page)
    assert slider_thumb(page, "hp_momentum_lr").get_attribute("aria-valuetext") == before
