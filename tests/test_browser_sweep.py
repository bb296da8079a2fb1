"""End to end: a click on a sweep map's cell opens the playground at exactly that cell.

The sweep runs each cell at values ``Param.spaced`` gives; the map draws them rounded to six
digits (and β as 1 − β). The playground must get the run's values to the last bit, not the
drawn ones and not the slider's grid. Skips, loudly, when Debian's Chromium is missing.
"""

from __future__ import annotations

import math
from urllib.parse import parse_qs, urlparse

import pytest
from e2e_support import address, app_in_chromium, wait_until_idle

import optim_core

pytestmark = pytest.mark.browser

SWEEP_MAP = ".st-key-sweep_map .js-plotly-plot"
TIMEOUT_MS = 90_000

# The best cell of the map (lowest outcome), its drawn coordinates and where it is on screen.
BEST_CELL = """(sel) => {
  const gd = document.querySelector(sel);
  if (!gd || !gd._fullLayout || !gd._fullLayout.xaxis) return null;
  const heat = gd.data.find((t) => t.meta === "sweep" && t.name !== "diverged");
  let best = null;
  heat.z.forEach((row, i) => row.forEach((z, j) => {
    if (z !== null && (best === null || z < best.z)) best = { z, i, j };
  }));
  const { xaxis, yaxis, _size } = gd._fullLayout;
  const box = gd.getBoundingClientRect();
  const x = heat.x[best.j], y = heat.y[best.i];
  return {
    i: best.i, j: best.j, x, y, nx: heat.x.length, ny: heat.y.length,
    px: box.left + _size.l + xaxis.l2p(xaxis.d2l(x)),
    py: box.top + _size.t + yaxis.l2p(yaxis.d2l(y)),
  };
}"""


def test_a_click_on_a_cell_opens_the_playground_at_that_cells_exact_values() -> None:
    with app_in_chromium({"width": 1400, "height": 1000}, TIMEOUT_MS) as (server, page):
        page.goto(server.url.rstrip("/") + "/sweep")
        page.wait_for_selector(SWEEP_MAP)
        wait_until_idle(page, TIMEOUT_MS)
        cell = page.wait_for_function(BEST_CELL, arg=SWEEP_MAP).json_value()
        # The sweep's own axes (momentum: η across, β up, over the declared ranges).
        lr, beta = optim_core.HYPERPARAMS["lr"], optim_core.HYPERPARAMS["beta"]
        lrs, betas = lr.spaced(cell["nx"]), beta.spaced(cell["ny"])
        expected_lr, expected_beta = float(lrs[cell["j"]]), float(betas[cell["i"]])
        # the cell drawn there is that run's, to the six digits the map keeps
        assert math.isclose(cell["x"], expected_lr, rel_tol=1e-5), (cell, expected_lr)
        assert math.isclose(cell["y"], 1 - expected_beta, rel_tol=1e-5), (cell, expected_beta)

        page.mouse.click(cell["px"], cell["py"])
        page.wait_for_function(
            "() => document.querySelector('h1')?.innerText === 'Optimizer Playground'"
            " && location.search.includes('momentum.lr')",
            timeout=TIMEOUT_MS,
        )
        wait_until_idle(page, TIMEOUT_MS)
        query = parse_qs(urlparse(address(page)).query)
        # exactly the run's values: neither the drawn six digits nor the slider's grid
        assert float(query["momentum.lr"][0]) == expected_lr, (query["momentum.lr"], cell)
        assert float(query["momentum.beta"][0]) == expected_beta, (query["momentum.beta"], cell)
        assert not page.locator('[data-testid="stException"]').count()
