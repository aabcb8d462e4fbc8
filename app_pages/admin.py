"""账号管理 (administrators only): every account with its role, unit and state; new accounts,
password resets, role and unit changes, enabling, disabling and unlocking. Every change is audited."""
import pandas as pd
import streamlit as st

from dashboard import access, actions, auth
from dashboard.labels import fmt_datetime
from dashboard.ui import data, session
from dashboard.ui.widgets import md

admin = session.require(access.MANAGE_ACCOUNTS)
engine, ver = data.engine(), data.version()
st.markdown("### 账号管理")
st.caption("管理员：查看全县、管理账号和行动配置，看不到食安员抽考人员姓名；领导小组：查看全县；"
           "分局长：查看本单位；填报员：查看并上报本单位月报。修改密码或停用账号会使其已登录的会话立即失效。")

message = st.session_state.pop("admin_message", None)
if message:
    (st.success if message[0] == "ok" else st.error)(md(message[1]))

accounts = auth.list_accounts(engine)
now = auth.now_utc()
st.dataframe(pd.DataFrame([{
    "用户名": a["username"], "显示名称": a["display_name"] or "", "角色": access.ROLES[a["role"]].label,
    "所属单位": a["unit_name"], "状态": "启用" if a["is_active"] else "停用",
    "锁定": "锁定中" if a["locked_until"] and a["locked_until"] > now else "",
    "最近登录": fmt_datetime(a["last_login_at"]) if a["last_login_at"] else "从未登录",
    "密码修改于": fmt_datetime(a["password_changed_at"]), "创建人": a["created_by"]} for a in accounts]),
    hide_index=True, width="stretch", key="admin_accounts")

units = data.units(ver)
unit_names = {u["code"]: ("　" * u["depth"]) + u["name"] for u in units}
roles = {code: r.label for code, r in access.ROLES.items()}


def _done(ok: bool, text: str) -> None:
    st.session_state["admin_message"] = ("ok" if ok else "error", text)
    st.rerun()


left, right = st.columns(2)
with left, st.form("admin_add", clear_on_submit=True):
    st.markdown("**新建账号**")
    username = st.text_input("用户名", key="admin_new_username")
    name = st.text_input("显示名称（可选）", key="admin_new_name")
    role = st.selectbox("角色", list(roles), format_func=roles.get, key="admin_new_role")
    unit = st.selectbox("所属单位（分局长、填报员必选本单位）", list(unit_names), format_func=unit_names.get,
                        key="admin_new_unit")
    password = st.text_input("初始密码（至少 8 个字符）", type="password", key="admin_new_password")
    if st.form_submit_button("新建", type="primary"):
        try:
            actions.add_account(engine, admin, username, password, role, unit, display_name=name or None)
        except auth.AccountError as exc:
            _done(False, str(exc))
        _done(True, f"已新建账号 {username}")

with right:
    names = [a["username"] for a in accounts]
    if names:
        pick = st.selectbox("选择账号", names, key="admin_pick")
        acc = next(a for a in accounts if a["username"] == pick)
        with st.form("admin_passwd", clear_on_submit=True):
            new = st.text_input("新密码（至少 8 个字符）", type="password", key="admin_passwd_value")
            if st.form_submit_button("重设密码"):
                try:
                    actions.change_password(engine, admin, pick, new)
                except auth.AccountError as exc:
                    _done(False, str(exc))
                _done(True, f"已重设 {pick} 的密码")
        with st.form("admin_role"):
            role = st.selectbox("角色", list(roles), index=list(roles).index(acc["role"]), format_func=roles.get,
                                key="admin_role_value")
            unit = st.selectbox("所属单位", list(unit_names), format_func=unit_names.get, key="admin_unit_value",
                                index=list(unit_names).index(acc["unit_code"]) if acc["unit_code"] in unit_names else 0)
            if st.form_submit_button("保存角色与单位"):
                try:
                    actions.change_role(engine, admin, pick, role=role, unit=unit)
                except (auth.AccountError, PermissionError) as exc:
                    _done(False, str(exc))
                _done(True, f"已修改 {pick} 的角色与单位")
        c1, c2 = st.columns(2)
        if pick == admin.username:
            c1.caption("不能停用自己正在使用的账号。")
        elif acc["is_active"] and c1.button("停用账号", key="admin_disable"):
            actions.disable_account(engine, admin, pick)
            _done(True, f"已停用 {pick}")
        elif not acc["is_active"] and c1.button("启用账号", key="admin_enable"):
            actions.enable_account(engine, admin, pick)
            _done(True, f"已启用 {pick}")
        if acc["locked_until"] and acc["locked_until"] > now and c2.button("解除锁定", key="admin_unlock"):
            actions.unlock_account(engine, admin, pick)
            _done(True, f"已解除 {pick} 的锁定")
