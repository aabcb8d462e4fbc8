"""Cached access to the core for the pages: one engine per process, query results cached
(`st.cache_data`) and cleared whenever data changes."""
from __future__ import annotations

import streamlit as st

from dashboard.access import resolve_unit, system_viewer
from dashboard.campaign import load_campaign
from dashboard.db import DEFAULT_DB_PATH, database_url, get_engine


@st.cache_resource(show_spinner=False)
def engine():
    """The app's engine; on first start with no database configured, the sample county is built."""
    eng = get_engine()
    if database_url() == f"sqlite:///{DEFAULT_DB_PATH}" and not _has_records(eng):
        from dashboard.demo import build_demo
        with st.spinner("首次启动：正在用示例县数据建库（约需半分钟）…"):
            build_demo(eng, load_campaign())
    return eng


def _has_records(eng) -> bool:
    from sqlalchemy import inspect, text
    if "upload_batch" not in inspect(eng).get_table_names():
        return False
    with eng.connect() as conn:
        return conn.execute(text("select count(*) from upload_batch")).scalar() > 0


@st.cache_resource(show_spinner=False)
def campaign():
    """The active campaign's configuration."""
    return load_campaign()


@st.cache_data(show_spinner=False)
def target_figures(unit_code: str | None, start, end, as_of, by_unit: bool):
    """The nine figures (as dicts) for a unit and window, from the target engine."""
    from dashboard.campaign import Window
    from dashboard.targets import compute_targets
    eng = engine()
    unit = resolve_unit(eng, unit_code)
    window = Window(start, end, "")
    figs = compute_targets(eng, campaign(), system_viewer(eng), unit=unit, window=window,
                           as_of=as_of, by_unit=by_unit)
    return [f.__dict__ | {"percent_text": f.percent_text, "nd_text": f.nd_text} for f in figs]


def clear_caches() -> None:
    """After an upload or a rollback: every cached result may be stale."""
    st.cache_data.clear()
