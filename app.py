"""提升行动督导看板 — entry point and router (`st.navigation`).

Pages live in pages/views/: Streamlit's legacy automatic routing only looks at pages/*.py, so no
page can be reached without passing through this router (and its shared controls).
"""
import streamlit as st

from dashboard.ui import controls, data

st.set_page_config(page_title="提升行动督导看板", page_icon="📋", layout="wide",
                   initial_sidebar_state="expanded")
data.engine()  # builds the sample county on first start

PAGES = [
    st.Page("pages/views/overview.py", title="领导小组总览", icon=":material/dashboard:",
            url_path="overview", default=True),
    st.Page("pages/views/sub_bureau.py", title="分局看板", icon=":material/apartment:",
            url_path="sub_bureau"),
    st.Page("pages/views/phases.py", title="阶段进展", icon=":material/timeline:", url_path="phases"),
    st.Page("pages/views/enterprise.py", title="企业档案（一户一档）", icon=":material/folder_shared:",
            url_path="enterprise"),
    st.Page("pages/views/sampling.py", title="监督抽检", icon=":material/science:", url_path="sampling"),
    st.Page("pages/views/rectification.py", title="问题整改", icon=":material/build:",
            url_path="rectification"),
]
page = st.navigation(PAGES)
with st.sidebar:
    st.caption(data.campaign().name)
controls.shared_controls()
page.run()
