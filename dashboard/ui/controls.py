"""The shared controls (campaign, org unit, window, as-of date), kept in the URL's query parameters.

`shared_controls()` runs in app.py before the page, so the widgets live as long as the session and
every page reads the same `PageChoice` (what the sidebar chose) and, resolved from it once per run,
the same figures Selection (dashboard.figures.selection, via dashboard.ui.data.selection). A link such as
`/sub_bureau?unit=DT03&window=phase2&as_of=2023-08-31` opens exactly that view (with
`&campaign=CODE` another campaign over the same units): query parameters seed the widgets, and the
widgets write them back on every run.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from dashboard.campaign import campaign_window, phase_window

from dashboard.periods import Window, month_keys, month_window
from dashboard.figures.pace import end_date
from dashboard.figures.selection import Selection

from . import data
from .widgets import md

_LAST = "_query_params_last"
CHOICE_KEY, SELECTION_KEY = "page_choice", "selection"  # this run's PageChoice and its Selection


@dataclass(frozen=True)
class PageChoice:
    """What the sidebar chose for every page: a unit code, a window key and the as-of date (never
    after the window's end). The units offered are the viewer's; dashboard.ui.data.selection
    resolves the choice, with the scope check, into the figures Selection."""
    unit_code: str
    unit_name: str
    is_root: bool
    window_key: str
    window: Window
    as_of: date

    @property
    def start(self) -> date:
        return self.window.start_date

    @property
    def end(self) -> date:
        return min(self.window.end_date, self.as_of)

    @property
    def caption(self) -> str:
        return (f"{self.unit_name} ｜ {self.window.label}：{self.start} 至 {self.end}"
                f" ｜ 数据截至 {self.as_of}")


def window_options(conf) -> dict[str, Window]:
    """campaign, phase1…, and every campaign month (YYYY-MM)."""
    out = {"campaign": campaign_window(conf)}
    out |= {f"phase{p.seq}": phase_window(conf, p.seq) for p in conf.phases}
    out |= {key: month_window(key) for key in month_keys(conf.start_date, conf.end_date)}
    return out


def default_as_of(conf, today: date | None = None) -> date:
    """Today, kept inside the campaign (its start at the earliest, its last phase's end at the latest)."""
    today = today or date.today()
    return min(max(today, conf.start_date), end_date(conf))


def parse_date(text, default: date | None) -> date | None:
    """A query parameter's YYYY-MM-DD as a date; `default` when it is missing or not a date."""
    try:
        return date.fromisoformat(str(text)[:10])
    except (TypeError, ValueError):
        return default


def seed(key: str, param: str, value) -> None:
    """Put a query parameter's value into a widget's state when it is new or changed in the URL."""
    last = st.session_state.setdefault(_LAST, {})
    raw = st.query_params.get(param)
    if key not in st.session_state or (raw is not None and raw != last.get(param)):
        st.session_state[key] = value
    if raw is not None:
        last[param] = raw


def publish(param: str, text: str | None) -> None:
    """Write a widget's value back to the URL (None removes the parameter)."""
    last = st.session_state.setdefault(_LAST, {})
    if text is None:
        if param in st.query_params:
            del st.query_params[param]
        last.pop(param, None)
    else:
        if st.query_params.get(param) != text:
            st.query_params[param] = text
        last[param] = text


def campaign_switch() -> None:
    """The campaign switch (only when more than one campaign covers the viewer's units); a link's
    ?campaign= chooses it. Runs before anything reads data.campaign()."""
    choices = dict(data.campaign_choices(data.version()))
    asked = st.query_params.get("campaign")
    if asked and asked not in choices:
        st.warning(f"没有可查看的行动“{md(asked)}”，已显示默认行动。")  # a URL value: never Markdown
    seed(data.CAMPAIGN_KEY, "campaign", asked if asked in choices else next(iter(choices), None))
    if st.session_state.get(data.CAMPAIGN_KEY) not in choices:
        st.session_state[data.CAMPAIGN_KEY] = next(iter(choices), None)
    if len(choices) > 1:
        with st.sidebar:
            code = st.selectbox("行动", list(choices), format_func=choices.get, key=data.CAMPAIGN_KEY)
        publish("campaign", code)


def shared_controls() -> PageChoice:
    """The sidebar controls; returns and remembers the PageChoice, and resolves it once into this
    run's figures Selection (selection())."""
    conf, ver = data.campaign(), data.version()
    units = data.units(ver)
    names = {u["code"]: ("　" * u["depth"]) + u["name"] for u in units}
    options = window_options(conf)
    qp = st.query_params

    asked = qp.get("unit")
    if asked and asked not in names:  # a link to a unit outside the viewer's scope (or unknown)
        st.warning(f"您无权查看单位“{md(asked)}”的数据（或没有这个单位），已显示您管辖范围内的数据。")
    seed("ctl_unit", "unit", asked if asked in names else units[0]["code"])
    seed("ctl_window", "window", qp.get("window") if qp.get("window") in options else "campaign")
    seed("ctl_as_of", "as_of", parse_date(qp.get("as_of"), default_as_of(conf)))
    if st.session_state["ctl_unit"] not in names:
        st.session_state["ctl_unit"] = units[0]["code"]
    if st.session_state["ctl_window"] not in options:  # the switch moved to another campaign
        st.session_state["ctl_window"] = "campaign"
    if not conf.start_date <= st.session_state["ctl_as_of"] <= end_date(conf):
        st.session_state["ctl_as_of"] = default_as_of(conf)

    with st.sidebar:
        st.markdown("**查看范围**")
        unit = st.selectbox("单位", list(names), format_func=names.get, key="ctl_unit")
        key = st.selectbox("统计区间", list(options), key="ctl_window",
                           format_func=lambda k: options[k].label if k == "campaign" or k.startswith("phase")
                           else f"月度：{options[k].label}")
        as_of = st.date_input("数据截至", key="ctl_as_of", min_value=conf.start_date,
                              max_value=end_date(conf), format="YYYY-MM-DD")
    publish("unit", unit)
    publish("window", key)
    publish("as_of", as_of.isoformat())
    window = options[key]
    if as_of < window.start_date:
        st.warning(f"数据截至日期 {as_of} 早于所选区间的开始日期 {window.start_date}，已按区间结束日计算。")
        as_of = window.end_date
    # A window that ended before the as-of date is seen at its end (figures "at the phase's end").
    choice = PageChoice(unit, next(u["name"] for u in units if u["code"] == unit), unit == units[0]["code"],
                        key, window, min(as_of, window.end_date))
    st.session_state[CHOICE_KEY] = choice
    st.session_state[SELECTION_KEY] = data.selection(ver, choice)  # the one resolution of this run
    return choice


def current() -> PageChoice:
    """The PageChoice made by the sidebar in this run."""
    choice = st.session_state.get(CHOICE_KEY)
    return choice if choice is not None else shared_controls()


def selection() -> Selection:
    """This run's figures Selection (the PageChoice resolved once): pass it to dashboard.ui.data's
    figure functions, and derive other windows, dates or units with its `at` and `of`."""
    sel = st.session_state.get(SELECTION_KEY)
    if sel is None:
        shared_controls()
        sel = st.session_state[SELECTION_KEY]
    return sel

