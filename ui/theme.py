"""The app's CSS beyond what the theme in .streamlit/config.toml can say; app.py injects it.

Every rule here answers an accessibility check (tests/test_accessibility.py runs axe-core on
every page at a phone's, a tablet's, a laptop's and a projector's viewport).
"""

from __future__ import annotations

import streamlit as st

# KaTeX draws display math one size up (1.21em) and never breaks a line of it: an equation
# wider than its column scrolls sideways inside a box that has no keyboard focus, so a
# keyboard user cannot read its end (axe-core: scrollable-region-focusable, "serious").
# Where columns are narrow (a phone, or a tablet with the sidebar beside the page) the
# equations are set a little smaller so the inspector's and the learn page's fit.
#
# A collapsed sidebar is only moved off screen: its controls stay in the page's layout and
# style, and in the keyboard's tab order, though nobody sees them (a keyboard user tabbed
# through them to no visible focus). Taken out of both while it is collapsed. (The
# playground does not draw its sidebar's controls at all while it is collapsed.)
CSS = """
[data-testid="stSidebar"][data-collapsed="true"] [data-testid="stSidebarContent"] {
  display: none;
}
@media (max-width: 1100px) {
  .katex-display { font-size: 0.9em; }
}
@media (max-width: 640px) {
  .katex-display { font-size: 0.85em; }
}
"""


def inject() -> None:
    """Add the app's CSS to the page (style-only HTML takes no room in the layout)."""
    st.html(f"<style>{CSS}</style>")
