"""提升行动督导看板 — entry point and router (`st.navigation`).

Pages live in pages/views/: Streamlit's legacy automatic routing only looks at pages/*.py, so no
page can be reached without passing through this router.
"""
import streamlit as st

from dashboard.ui.data import engine

st.set_page_config(page_title="提升行动督导看板", page_icon="📋", layout="wide")
engine()  # builds the sample county on first start

pages = [
    st.Page("pages/views/overview.py", title="领导小组总览", icon=":material/dashboard:",
            url_path="overview", default=True),
]
st.navigation(pages).run()
