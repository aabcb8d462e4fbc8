"""审计日志 (administrators only): logins, failed logins, lockouts, uploads, rollbacks, exports and
account changes — who, when, what — newest first, filtered by action, account and day."""
import pandas as pd
import streamlit as st

from dashboard import access, audit_trail
from dashboard.labels import fmt_datetime
from dashboard.ui import data, session

session.require(access.READ_AUDIT)
engine = data.engine()
st.markdown("### 审计日志")
st.caption("时间为协调世界时（UTC）。最多显示最近 1000 条。")
c1, c2, c3, c4 = st.columns(4)
action = c1.selectbox("操作", [None, *audit_trail.ACTIONS], key="audit_action",
                      format_func=lambda a: "全部" if a is None else audit_trail.ACTIONS[a])
username = c2.text_input("账号", key="audit_user").strip() or None
start = c3.date_input("自", value=None, key="audit_from", format="YYYY-MM-DD")
end = c4.date_input("至", value=None, key="audit_to", format="YYYY-MM-DD")
rows = audit_trail.events(engine, action=action, username=username, from_date=start, to_date=end)
if not rows:
    st.info("没有符合条件的审计记录。")
    st.stop()
st.dataframe(pd.DataFrame([{
    "时间": fmt_datetime(r["created_at"]), "账号": r["username"], "操作": r["action_name"],
    "内容": audit_trail.detail_text(r["detail"])} for r in rows]),
    hide_index=True, width="stretch", height=min(38 + 35 * len(rows), 640), key="audit_table",
    column_config={"内容": st.column_config.TextColumn(width="large")})
