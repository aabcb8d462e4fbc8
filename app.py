"""提升行动督导看板 — the server (`st.App`), the login gate and the router (`st.navigation`).

`streamlit run app.py` reads this file, finds the `st.App` below and serves it with uvicorn: this
module is imported once per process as the ASGI app (`__name__ == "app"`: the login and logout
routes, security headers and the production check at start, dashboard.ui.server), and Streamlit
runs it as the app's script on every rerun (`__name__ == "__main__"`: `router()`).

Pages live in app_pages/, not pages/: a folder named pages/ beside this script switches Streamlit
into its legacy automatic routing on a fresh server. So no page can be reached without passing
through this router (and its login gate and shared controls).
Without a signed-in viewer only the login page exists; once signed in, the router lists exactly the
pages the viewer's role may open (PAGES: the permission each needs), so a restricted page is absent
for other roles — and each restricted page checks the role itself too.
"""
import streamlit as st

from dashboard import access

# (file in app_pages/ = url path, title, icon, the permission the page needs, whether it uses the
# shared controls). Every file must exist: st.Page refuses a missing one.
PAGES = [
    ("overview", "领导小组总览", ":material/dashboard:", access.VIEW, True),
    ("sub_bureau", "分局看板", ":material/apartment:", access.VIEW, True),
    ("phases", "阶段进展", ":material/timeline:", access.VIEW, True),
    ("tasks", "工作任务台账", ":material/checklist:", access.VIEW, True),
    ("enterprise", "企业档案（一户一档）", ":material/folder_shared:", access.VIEW, True),
    ("sampling", "监督抽检", ":material/science:", access.VIEW, True),
    ("rectification", "问题整改", ":material/build:", access.VIEW, True),
    ("enforcement", "严打（违法案件）", ":material/gavel:", access.VIEW, True),
    ("stars", "星级评比", ":material/star:", access.VIEW, True),
    ("upload", "月报上报", ":material/upload_file:", access.UPLOAD, False),
    ("history", "上报记录", ":material/history:", access.VIEW, False),
    ("completeness", "上报完整性", ":material/fact_check:", access.VIEW, True),
    ("export", "阶段性总结导出", ":material/download:", access.EXPORT, True),
    # Administration.
    ("admin", "账号管理", ":material/manage_accounts:", access.MANAGE_ACCOUNTS, False),
    ("audit", "审计日志", ":material/policy:", access.READ_AUDIT, False),
]

PAGES_KEY = "_router_pages"  # where pages() keeps the session's built pages


def pages(viewer, allowed, titles) -> list:
    """The signed-in viewer's pages for st.navigation. Built once per session and viewer, not on every
    run: each st.Page resolves its file on disk, fifteen of them a few milliseconds of every rerun.
    Kept in the session's own state, never shared between sessions: st.navigation marks the page it
    returns as the one to run and page.run() clears the mark, so two sessions running the same page
    object at once would refuse each other."""
    key = (viewer, tuple(titles.items()))
    kept = st.session_state.get(PAGES_KEY)
    if kept is not None and kept[0] == key:
        return kept[1]
    # A page the role may not open keeps its URL (a link passed on by a colleague) as a hidden page
    # saying so in Chinese, instead of Streamlit's English "Page not found".
    refused = [st.Page(lambda title=title: st.error(f"您的账号（{viewer.role_label}）无权打开“{title}”页面。"),
                       title=title, url_path=name, visibility="hidden")
               for name, title, _, permission, _ in PAGES if not viewer.can(permission)]
    built = [st.Page(f"app_pages/{name}.py", title=titles[name], icon=icon, url_path=name,
                     default=name == "overview") for name, _, icon, _ in allowed] + refused
    st.session_state[PAGES_KEY] = (key, built)
    return built


def router() -> None:
    # On a script run only: imported as the ASGI app (below), this file loads the server's routes,
    # not the pages' stack (pandas, the figures, Streamlit's caches).
    from dashboard.ui import controls, data, runtiming, session
    from dashboard.ui.widgets import md

    st.set_page_config(page_title="提升行动督导看板", page_icon="📋", layout="wide",
                       initial_sidebar_state="auto")
    engine = data.engine()  # builds the sample county on first start
    session.production_gate(engine)

    viewer = session.current_viewer(engine)
    if viewer is None:
        # Every page URL shows the login form (so a link keeps its path and query until one signs
        # in); no page file runs.
        login = [st.Page("app_pages/login.py", title="登录", icon=":material/login:", url_path="login")]
        login += [st.Page(lambda: session.login_form(engine, data.campaign().name), title="登录", url_path=name,
                          default=name == "overview") for name, *_ in PAGES]
        st.navigation(login, position="hidden").run()
        st.stop()

    allowed = [(name, title, icon, with_controls) for name, title, icon, permission, with_controls in PAGES
               if viewer.can(permission)]
    # a chief's or clerk's home is their own unit's overview, not the leadership group's
    home = "领导小组总览" if viewer.role in ("leader", "admin") else "本单位总览"
    titles = {name: home if name == "overview" else title for name, title, _, _ in allowed}
    # expanded: every page listed; collapsed, Streamlit shows ten and an English "View 3 more"
    page = st.navigation(pages(viewer, allowed, titles), expanded=True)
    controls.campaign_switch()  # before anything reads data.campaign()
    with st.sidebar:
        who = st.container(key="auth_who")
        # one caption, two lines: the campaign and the account (an account name: never Markdown)
        who.caption(f"{md(data.campaign().name)}  \n当前账号：{md(viewer.username)}（{viewer.role_label}）")
        with who:
            session.logout_button(engine)
    runtiming.note_page(next((n for n, t in titles.items() if t == page.title), ""))  # benchmarks' timing line
    if {titles[name]: c for name, _, _, c in allowed}.get(page.title, False):
        controls.shared_controls()
    page.run()


if __name__ == "__main__":
    from dashboard.ui import runtiming  # the script run, not the ASGI import, is timed
    from dashboard.ui import data, heap
    with runtiming.timed(), data.one_run():  # timing: with DASHBOARD_RUN_TIMING set, one line per run (benchmarks/browser.py)
        router()
    heap.settle()  # a page ran to its end (st.stop and reruns raise past this): the stack is loaded
else:
    from dashboard.ui import server

    app = st.App("app.py", routes=server.ROUTES, middleware=server.MIDDLEWARE, lifespan=server.lifespan)
