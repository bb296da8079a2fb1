"""Optimizer Playground: `streamlit run app.py`. Sets the page up and routes; no logic here."""

import streamlit as st

st.set_page_config(
    page_title="Optimizer Playground",
    page_icon=":material/landscape:",
    layout="wide",
    initial_sidebar_state="expanded",
)

page = st.navigation(
    [
        st.Page(
            "pages/playground.py", title="Playground", icon=":material/sports_score:", default=True
        ),
        st.Page("pages/inspector.py", title="Inside the optimizer", icon=":material/search:"),
    ]
)
page.run()
