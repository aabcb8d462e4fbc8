"""Who is looking: the viewer whose org-unit subtree every query is limited to, and what each role
may do.

Every core function takes a `Viewer`; its queries join `org_unit_closure` on `:scope_unit_id`, so a
viewer only ever receives rows of its own subtree, whatever a page asks for. Pages never filter
for access themselves.

Roles (README "账号与权限" documents the same table):

| role | scope | exam takers' names | may |
|---|---|---|---|
| admin 管理员 | the whole county | masked | view, export, roll back, manage accounts, audit log, maintenance |
| leader 领导小组 | the whole county | shown | view, export, mark the campaign's work items |
| chief 分局长 | own unit's subtree | shown | view, export |
| clerk 填报员 | own unit's subtree | shown | view, export, upload, roll back |
| system (command line without --as) | the whole tree | shown | everything, and rebuild the demo |

Marking the status of the campaign's own work items (工作任务台账: 未开始 / 进行中 / 已完成) is the
leadership group's office work (办公室 is one of its members, §二), so the leader role holds it; the
administrator runs the system, not the campaign's casework, and does not; chiefs and clerks report
their own units' tasks in their 工作任务 sheet instead.

The administrator runs the system, not the campaign's casework: exam takers' names (personal data,
data-contract.md) are masked for it, as for anyone outside the exam taker's own sub-bureau and the
leadership.

The permissions are named here once; every change of state checks one of them at its door
(`dashboard.actions`). Maintaining the database (init-db, rebuild-rollups) is the administrator's;
rebuilding the sample county replaces every record, so only the machine's operator (the command
line without --as) may do it.
"""
from __future__ import annotations

import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from .models import AppUser, OrgUnit, OrgUnitClosure, UploadBatch

VIEW, EXPORT, UPLOAD, ROLLBACK, MANAGE_ACCOUNTS, READ_AUDIT, MAINTAIN, REBUILD_DEMO = (
    "view", "export", "upload", "rollback", "manage_accounts", "read_audit", "maintain_database",
    "rebuild_demo")
MARK_WORK_ITEMS = "mark_work_items"
PERMISSION_LABELS = {VIEW: "查看", EXPORT: "导出", UPLOAD: "上报", ROLLBACK: "撤销上报", MANAGE_ACCOUNTS: "账号管理",
                     READ_AUDIT: "查看审计日志", MAINTAIN: "数据库维护", REBUILD_DEMO: "重建示例县数据",
                     MARK_WORK_ITEMS: "标记行动工作任务完成情况"}


@dataclass(frozen=True)
class Role:
    """What a role is called, whether it sees the whole tree, whether it sees personal data, and
    the actions it may take."""
    code: str
    label: str
    whole_tree: bool
    personal_data: bool
    permissions: frozenset[str]


ROLES: dict[str, Role] = {
    "admin": Role("admin", "管理员", True, False,
                  frozenset({VIEW, EXPORT, ROLLBACK, MANAGE_ACCOUNTS, READ_AUDIT, MAINTAIN})),
    "leader": Role("leader", "领导小组", True, True, frozenset({VIEW, EXPORT, MARK_WORK_ITEMS})),
    "chief": Role("chief", "分局长", False, True, frozenset({VIEW, EXPORT})),
    "clerk": Role("clerk", "填报员", False, True, frozenset({VIEW, EXPORT, UPLOAD, ROLLBACK})),
}
SYSTEM_ROLE = Role("system", "系统（命令行）", True, True,
                   frozenset({VIEW, EXPORT, UPLOAD, ROLLBACK, MANAGE_ACCOUNTS, READ_AUDIT, MAINTAIN,
                              REBUILD_DEMO, MARK_WORK_ITEMS}))
ACCOUNT_ROLES = tuple(ROLES)


def role_info(role: str) -> Role:
    """The Role of a role code (system included); KeyError for an unknown one."""
    return SYSTEM_ROLE if role == "system" else ROLES[role]


@dataclass(frozen=True)
class Viewer:
    """The person (or job) a query runs for; scope_unit_id bounds every row they may see."""
    username: str
    role: str  # admin | leader | chief | clerk | system
    scope_unit_id: int  # the viewer sees this unit and everything below it
    can_see_personal_data: bool = True

    def can(self, permission: str) -> bool:
        """Whether the viewer's role allows an action (view, export, upload, rollback, …)."""
        try:
            return permission in role_info(self.role).permissions
        except KeyError:
            return False

    @property
    def access(self) -> tuple[str, int, bool]:
        """What every read of the core depends on (role, scope, personal data): two viewers with
        the same access see the same rows, whoever they are (the username only names the person
        in a refusal)."""
        return (self.role, self.scope_unit_id, self.can_see_personal_data)

    @property
    def role_label(self) -> str:
        """The role's Chinese name."""
        try:
            return role_info(self.role).label
        except KeyError:
            return self.role


def require(viewer: Viewer, permission: str) -> None:
    """PermissionError unless the viewer's role allows the action."""
    if not viewer.can(permission):
        raise PermissionError(f"账号“{viewer.username}”（{viewer.role_label}）无权执行此操作"
                              f"（{PERMISSION_LABELS.get(permission, permission)}）")


def resolve_unit(engine: Engine, unit: str | int | None) -> OrgUnit:
    """An org unit by code or name (or id); None → the root."""
    with engine.connect() as conn:
        if unit is None:
            stmt = select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.unit_id)
        elif isinstance(unit, int):
            stmt = select(OrgUnit).where(OrgUnit.unit_id == unit)
        else:
            u = str(unit).strip()
            stmt = select(OrgUnit).where((OrgUnit.code == u) | (OrgUnit.name == u))
        row = conn.execute(stmt).first()
        if row is None and isinstance(unit, str):
            row = _unit_as_written(conn, unit)
    if row is None:
        raise LookupError(f"没有这个单位：{unit}")
    return OrgUnit(**{c: getattr(row, c) for c in row._fields})


def _unit_as_written(conn, unit: str):
    """The one unit whose code, name or short name `unit` is, written another way (dt01, ＤＴ０１,
    城区分局 with a blank, the short name 城区); None when none or several are."""
    def folded(text) -> str:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold() if text else ""
    wanted = folded(unit)
    found = [r for r in conn.execute(select(OrgUnit))
             if wanted and wanted in (folded(r.code), folded(r.name), folded(r.short_name))]
    return found[0] if len(found) == 1 else None


def system_viewer(engine: Engine, root_code: str | None = None, name: str = "system") -> Viewer:
    """Full rights over a campaign's tree (root_code; default: the first root configured); `name`
    is who the audit log names (the command line without --as: `cli`)."""
    return Viewer(name, "system", resolve_unit(engine, root_code).unit_id)


def root_of(unit_id):
    """The select of the root id above an org unit (no row when there is none); `unit_id` is a value
    or a column (a correlated subquery: the session check reads it in its own query)."""
    return (select(OrgUnitClosure.ancestor_id)
            .join(OrgUnit, OrgUnit.unit_id == OrgUnitClosure.ancestor_id)
            .where(OrgUnitClosure.descendant_id == unit_id, OrgUnit.parent_id.is_(None)))


def root_unit_of(engine: Engine, unit_id: int) -> int:
    """The root above an org unit (itself when it is a root)."""
    with engine.connect() as conn:
        return conn.execute(root_of(unit_id)).scalar() or unit_id


def viewer_for_account(engine: Engine, account, root: int | None = None) -> Viewer:
    """The Viewer of an account row (AppUser or a row with username, role, unit_id): leadership and
    administrators see the whole tree their unit belongs to, chiefs and clerks their own unit.
    `root`: the root above the account's unit when the caller has read it already."""
    role = ROLES[account.role]
    if not role.whole_tree:
        scope = account.unit_id
    else:
        scope = root if root is not None else root_unit_of(engine, account.unit_id)
    return Viewer(account.username, account.role, scope, role.personal_data)


def viewer_for_username(engine: Engine, username: str) -> Viewer:
    """The Viewer of an active account (the command line's --as); LookupError when there is no
    such active account."""
    with engine.connect() as conn:
        row = conn.execute(select(AppUser.username, AppUser.role, AppUser.unit_id, AppUser.is_active)
                           .where(AppUser.username == username.strip())).first()
    if row is None or not row.is_active:
        raise LookupError(f"没有这个账号或账号已停用：{username}")
    return viewer_for_account(engine, row)


@contextmanager
def _connected(bind: Engine | Connection):
    """A connection of an engine, or the caller's own (to read inside its transaction)."""
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn


def in_scope(bind: Engine | Connection, viewer: Viewer, unit_id: int | None) -> bool:
    """Whether an org unit lies in the viewer's subtree (None, a unit-less batch: whole-tree
    viewers only)."""
    if unit_id is None:
        try:
            return role_info(viewer.role).whole_tree
        except KeyError:
            return False
    with _connected(bind) as conn:
        return conn.execute(select(OrgUnitClosure.descendant_id).where(
            OrgUnitClosure.ancestor_id == viewer.scope_unit_id,
            OrgUnitClosure.descendant_id == unit_id)).first() is not None


def check_rollback(bind: Engine | Connection, viewer: Viewer, batch_id: int) -> None:
    """PermissionError unless the viewer may roll back this upload batch: the role allows rollbacks
    and the batch was uploaded for a unit of the viewer's subtree. LookupError for an unknown batch."""
    require(viewer, ROLLBACK)
    with _connected(bind) as conn:
        row = conn.execute(select(UploadBatch.unit_id).where(UploadBatch.batch_id == batch_id)).first()
        if row is None:
            raise LookupError(f"没有第 {batch_id} 批上报")
        allowed = in_scope(conn, viewer, row.unit_id)
    if not allowed:
        raise PermissionError(f"第 {batch_id} 批上报不属于您的管辖范围，不能撤销")


# ------------------------------------------------------------------ personal data
def mask_name(name: str | None) -> str | None:
    """张三丰 → 张**: the family name stays, the rest is hidden."""
    if not name:
        return name
    return name[:1] + "*" * (len(name) - 1)


def masked(viewer: Viewer, name: str | None) -> str | None:
    """A person's name as this viewer may see it (data-contract.md: 食安员抽考 姓名)."""
    return name if viewer.can_see_personal_data else mask_name(name)


EXAM_LABEL_PREFIX = "食安员抽考："


def mask_exam_label(label: str | None) -> str | None:
    """`食安员抽考：张三（食品安全员）` → `食安员抽考：张*（食品安全员）` (the exam evidence label of
    the coverage figure, built in SQL)."""
    if not label or not label.startswith(EXAM_LABEL_PREFIX):
        return label
    rest = label[len(EXAM_LABEL_PREFIX):]
    name, sep, post = rest.partition("（")
    return EXAM_LABEL_PREFIX + mask_name(name) + sep + post
