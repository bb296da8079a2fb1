"""Optimizer Playground: `streamlit run app.py`. Sets the page up and routes; no logic here."""

import streamlit as st

from ui import janitor, theme

st.set_page_config(
    page_title="Optimizer Playground",
    page_icon=":material/landscape:",
    layout="wide",
    # The sidebar's state is each page's own (Streamlit's "auto": collapsed on phones and
    # tablets, the page first). Set here too, a rerun would apply "auto" before the page's
    # own and open the playground's sidebar, which starts closed, at every full rerun.
)

page = st.navigation(
    [
        st.Page(
            "pages/playground.py", title="Playground", icon=":material/sports_score:", default=True
        ),
        st.Page("pages/inspector.py", title="Inside the optimizer", icon=":material/search:"),
        st.Page("pages/sweep.py", title="Sweep maps", icon=":material/grid_on:"),
        st.Page("pages/train.py", title="Train a model", icon=":material/model_training:"),
        st.Page("pages/learn.py", title="Learn", icon=":material/school:"),
    ],
    position="top",  # the sidebar is the page's own: the playground's opens closed
)
theme.inject()
janitor.note_activity()  # a server left alone gives its memory back
page.run()
