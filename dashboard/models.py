"""The reporting database: SQLAlchemy 2 tables.

Configuration tables (org units, campaigns, phases, targets) are synced from `campaigns/*.yaml`.
Record tables hold one row per natural key of the data contract; every record names the upload
batch that last wrote it; `batch_change` keeps the prior state of each row a batch replaced and
`batch_insert` the keys of the rows it inserted, so a batch can be rolled back exactly.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (Boolean, Date, DateTime, Float, ForeignKey, ForeignKeyConstraint, Index, Integer,
                        LargeBinary, String, Text, UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .subjects import subjects


# A free-text column of a workbook holds what a cell may (the contract: up to 1,000 characters,
# dashboard.importer.parse.MAX_TEXT_LENGTH); a key or a number stays shorter (an index entry bounds it).
TEXT_CELL = 1000


class Base(DeclarativeBase):
    """The declarative base of every table."""


# ---------------------------------------------------------------- configuration
class OrgUnit(Base):
    __tablename__ = "org_unit"
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(50))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.unit_id"))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class OrgUnitClosure(Base):
    """Every (ancestor, descendant) pair, self included: subtree queries without recursion."""
    __tablename__ = "org_unit_closure"
    ancestor_id: Mapped[int] = mapped_column(ForeignKey("org_unit.unit_id"), primary_key=True)
    descendant_id: Mapped[int] = mapped_column(ForeignKey("org_unit.unit_id"), primary_key=True)
    distance: Mapped[int] = mapped_column(Integer)
    __table_args__ = (Index("ix_closure_descendant", "descendant_id"),)


class Campaign(Base):
    __tablename__ = "campaign"
    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    root_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.unit_id"))
    on_time_day: Mapped[int] = mapped_column(Integer, default=5)


class Phase(Base):
    __tablename__ = "phase"
    phase_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.campaign_id"))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    work_items: Mapped[str] = mapped_column(Text, default="")  # one item per line
    __table_args__ = (UniqueConstraint("campaign_id", "seq"),)


class Target(Base):
    __tablename__ = "target"
    target_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.campaign_id"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    threshold: Mapped[float] = mapped_column(Float)
    sort_order: Mapped[int] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)


# ---------------------------------------------------------------- uploads
class UploadBatch(Base):
    __tablename__ = "upload_batch"
    batch_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploader: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20))  # committed | rolled_back
    rows_json: Mapped[str] = mapped_column(Text, default="{}")  # {"监督抽检": 130, ...}
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.unit_id"))
    rolled_back_at: Mapped[datetime | None] = mapped_column(DateTime)
    rolled_back_by: Mapped[str | None] = mapped_column(String(100))
    file_bytes: Mapped[bytes | None] = mapped_column(LargeBinary)  # the upload itself, kept


class BatchChange(Base):
    """One row per record a batch replaced, with its prior state: enough to undo it exactly."""
    __tablename__ = "batch_change"
    change_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("upload_batch.batch_id"), index=True)
    table_name: Mapped[str] = mapped_column(String(64))
    record_key: Mapped[str] = mapped_column(String(400))  # JSON list of the natural-key values
    old_row_json: Mapped[str] = mapped_column(Text)  # the row as it was before the batch
    __table_args__ = (Index("ix_batch_change_record", "table_name", "record_key"),)


class BatchInsert(Base):
    """One row per batch and table it inserted records into: their natural keys (each as
    batch_change.record_key writes it) in one JSON list, and how many. Undoing an insert needs only
    the key; one batch_change row per inserted record, each with its foreign-key check and three
    index entries, was a quarter of PostgreSQL's work in a 10,000-row import."""
    __tablename__ = "batch_insert"
    batch_id: Mapped[int] = mapped_column(ForeignKey("upload_batch.batch_id"), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    count_records: Mapped[int] = mapped_column(Integer)
    record_keys: Mapped[str] = mapped_column(Text)  # [[key values], …] in the order inserted


class BatchEnterprise(Base):
    """One row per upload batch and enterprise its records named when it wrote them (inserted or
    replaced). An enterprise's record names its batch and its enterprise as one pair of this
    table, whose own foreign keys check each: the integrity of a foreign key on each column, at one
    check per record instead of two. PostgreSQL checks a foreign key with a query of its own for
    every row written; in a 10,000-row import the two checks were 165 of the COPY's 230 ms of
    server CPU, one check about 70. The importer writes a batch's pairs before its records; a
    rollback deletes them with the batch's records. A pair outlives its records when a later batch
    moves them to another enterprise: a rollback of that batch brings them back, so an enterprise
    any other batch's pair names is not deleted (importer.load._refuse_if_still_referenced)."""
    __tablename__ = "batch_enterprise"
    batch_id: Mapped[int] = mapped_column(ForeignKey("upload_batch.batch_id"), primary_key=True)
    credit_code: Mapped[str] = mapped_column(ForeignKey("enterprise.credit_code"), primary_key=True,
                                             index=True)  # an enterprise's deletion checks it


FAILED_VERDICT = "verdict <> '合格'"  # the predicate of ix_sampling_failed_date


def _batch_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("upload_batch.batch_id"), index=True)


def _record_batch() -> Mapped[int]:
    """The batch that last wrote an enterprise's record: checked with its enterprise, together
    (see BatchEnterprise), and indexed after it (ENTERPRISE_RECORDS)."""
    return mapped_column(Integer)


def _credit_code() -> Mapped[str]:
    """The enterprise a record is of: checked with its batch, together (see BatchEnterprise), and
    indexed with it (ENTERPRISE_RECORDS)."""
    return mapped_column(String(18))


# ---------------------------------------------------------------- records
class Enterprise(Base):
    __tablename__ = "enterprise"
    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(TEXT_CELL))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.unit_id"), index=True)
    license_no: Mapped[str | None] = mapped_column(String(TEXT_CELL))
    is_large: Mapped[bool] = mapped_column(Boolean)
    risk_grade: Mapped[str] = mapped_column(String(1))
    credit_grade: Mapped[str | None] = mapped_column(String(1))
    product_category: Mapped[str | None] = mapped_column(String(TEXT_CELL))
    cadre_name: Mapped[str | None] = mapped_column(String(TEXT_CELL))
    status: Mapped[str] = mapped_column(String(10))  # 在产 / 停产 / 注销
    address: Mapped[str | None] = mapped_column(String(TEXT_CELL))
    # 生产企业 / 小作坊 / 屠宰企业 / 餐饮服务 … (config/subjects.yaml); populations select by it
    subject_type: Mapped[str] = mapped_column(String(20), default=lambda: subjects().default,
                                              server_default="生产企业")
    batch_id: Mapped[int] = _batch_fk()


class SelfInspection(Base):
    __tablename__ = "self_inspection"
    self_inspection_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = _credit_code()
    inspection_date: Mapped[date] = mapped_column(Date, index=True)  # the window-edge probes
    count_items: Mapped[int | None] = mapped_column(Integer)
    count_problems: Mapped[int] = mapped_column(Integer)
    is_report_submitted: Mapped[bool] = mapped_column(Boolean)
    batch_id: Mapped[int] = _record_batch()
    __table_args__ = (UniqueConstraint("credit_code", "inspection_date"),)


class Responsibility(Base):
    """主体责任: 三类人 in place, 三件事 done, 三本账 kept — one row per enterprise × month."""
    __tablename__ = "responsibility"
    responsibility_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = _credit_code()
    month_date: Mapped[date] = mapped_column(Date)  # first day of the month
    has_principal: Mapped[bool] = mapped_column(Boolean)
    has_safety_director: Mapped[bool] = mapped_column(Boolean)
    has_safety_officer: Mapped[bool] = mapped_column(Boolean)
    is_daily_control_done: Mapped[bool] = mapped_column(Boolean)
    is_weekly_check_done: Mapped[bool] = mapped_column(Boolean)
    is_monthly_review_done: Mapped[bool] = mapped_column(Boolean)
    has_daily_list: Mapped[bool] = mapped_column(Boolean)
    has_weekly_report: Mapped[bool] = mapped_column(Boolean)
    has_monthly_record: Mapped[bool] = mapped_column(Boolean)
    batch_id: Mapped[int] = _record_batch()
    __table_args__ = (UniqueConstraint("credit_code", "month_date"),)


class ManagementSystem(Base):
    __tablename__ = "management_system"
    management_system_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = _credit_code()
    system_type: Mapped[str] = mapped_column(String(20))  # HACCP / ISO22000 / 智能化追溯体系 / 其他
    certificate_no: Mapped[str | None] = mapped_column(String(TEXT_CELL))
    established_date: Mapped[date] = mapped_column(Date)
    valid_until_date: Mapped[date | None] = mapped_column(Date)
    batch_id: Mapped[int] = _record_batch()
    __table_args__ = (UniqueConstraint("credit_code", "system_type"),)


class SupplierEvaluation(Base):
    __tablename__ = "supplier_evaluation"
    supplier_evaluation_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = _credit_code()
    evaluation_date: Mapped[date] = mapped_column(Date)
    count_suppliers: Mapped[int] = mapped_column(Integer)
    count_unqualified: Mapped[int | None] = mapped_column(Integer)
    batch_id: Mapped[int] = _record_batch()
    __table_args__ = (UniqueConstraint("credit_code", "evaluation_date"),)


class OfficerExam(Base):
    __tablename__ = "officer_exam"
    officer_exam_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = _credit_code()
    person_name: Mapped[str] = mapped_column(String(100))
    post: Mapped[str] = mapped_column(String(20))  # 主要负责人 / 食品安全总监 / 食品安全员
    exam_date: Mapped[date] = mapped_column(Date)
    score: Mapped[float] = mapped_column(Float)
    is_passed: Mapped[bool] = mapped_column(Boolean)
    batch_id: Mapped[int] = _record_batch()
    # the natural key, and the same with is_passed: officer_exam_pass_counts_by_unit finds each
    # person's latest exam and its result in the index alone (SQLite read every row's page)
    __table_args__ = (UniqueConstraint("credit_code", "person_name", "exam_date"),
                      Index("ix_officer_exam_person_result", "credit_code", "person_name", "exam_date", "is_passed"))


class Inspection(Base):
    __tablename__ = "inspection"
    inspection_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    credit_code: Mapped[str] = _credit_code()
    inspection_date: Mapped[date] = mapped_column(Date)
    inspection_type: Mapped[str] = mapped_column(String(20))
    inspectors: Mapped[str | None] = mapped_column(String(TEXT_CELL))
    count_problems: Mapped[int] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(10))  # 符合 / 基本符合 / 不符合
    batch_id: Mapped[int] = _record_batch()


class Problem(Base):
    __tablename__ = "problem"
    problem_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    credit_code: Mapped[str] = _credit_code()
    source: Mapped[str] = mapped_column(String(20))
    source_no: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    found_date: Mapped[date] = mapped_column(Date)
    deadline_date: Mapped[date] = mapped_column(Date)
    closed_date: Mapped[date | None] = mapped_column(Date)
    review_result: Mapped[str | None] = mapped_column(String(10))  # 已整改 / 未整改 / 整改中
    batch_id: Mapped[int] = _record_batch()


class Sampling(Base):
    __tablename__ = "sampling"
    sample_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    credit_code: Mapped[str] = _credit_code()
    food_name: Mapped[str] = mapped_column(String(TEXT_CELL))
    food_category: Mapped[str] = mapped_column(String(TEXT_CELL))
    production_batch: Mapped[str | None] = mapped_column(String(TEXT_CELL))
    sampling_date: Mapped[date] = mapped_column(Date, index=True)
    task_source: Mapped[str] = mapped_column(String(10))  # 国抽 / 省抽 / 市抽 / 县抽 / 风险监测
    hazard_classes: Mapped[str] = mapped_column(String(200))  # joined by 、
    verdict: Mapped[str] = mapped_column(String(10))  # 合格 / 不合格
    failed_items: Mapped[str | None] = mapped_column(Text)  # 项目║检验结果║标准值；…
    lab_name: Mapped[str | None] = mapped_column(String(TEXT_CELL))
    disposal_status: Mapped[str | None] = mapped_column(String(10))  # 未处置 / 处置中 / 已完成
    batch_id: Mapped[int] = _record_batch()
    # The 不合格 batches by date (a percent or two of the table): the overview's undisposed list reads
    # these instead of scanning every batch (queries/undisposed_samplings.sql).
    __table_args__ = (Index("ix_sampling_failed_date", "sampling_date",
                            sqlite_where=text(FAILED_VERDICT), postgresql_where=text(FAILED_VERDICT)),)


class CadreVisit(Base):
    """包保督导: a visit by an assigned cadre ("two responsibilities")."""
    __tablename__ = "cadre_visit"
    cadre_visit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = _credit_code()
    visit_date: Mapped[date] = mapped_column(Date)
    cadre_name: Mapped[str] = mapped_column(String(100))
    cadre_level: Mapped[str] = mapped_column(String(4))  # A级 / B级 / C级
    count_problems: Mapped[int] = mapped_column(Integer)
    batch_id: Mapped[int] = _record_batch()
    __table_args__ = (UniqueConstraint("credit_code", "visit_date", "cadre_name"),)


class ChecklistItem(Base):
    """检查清单: one row per subject × checklist × check date × item, 是 when the item is in place
    (哈密's 小作坊 "三个时段", 副产品清洗加工 control points …; a checklist measure lists its items)."""
    __tablename__ = "checklist_item"
    checklist_item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = _credit_code()
    checklist: Mapped[str] = mapped_column(String(50))
    check_date: Mapped[date] = mapped_column(Date)
    item: Mapped[str] = mapped_column(String(100))
    is_done: Mapped[bool] = mapped_column(Boolean)
    batch_id: Mapped[int] = _record_batch()
    __table_args__ = (UniqueConstraint("credit_code", "checklist", "check_date", "item"),)


class StarRating(Base):
    __tablename__ = "star_rating"
    star_rating_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = _credit_code()
    year: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    star: Mapped[str] = mapped_column(String(10))  # 一星级 / 二星级 / 三星级 / 未评上
    batch_id: Mapped[int] = _record_batch()
    __table_args__ = (UniqueConstraint("credit_code", "year"),)


class EnforcementCase(Base):
    __tablename__ = "enforcement_case"
    case_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    credit_code: Mapped[str] = _credit_code()
    filed_date: Mapped[date] = mapped_column(Date)
    violation_type: Mapped[str] = mapped_column(String(TEXT_CELL))
    fine_amount: Mapped[float | None] = mapped_column(Float)
    is_transferred_police: Mapped[bool] = mapped_column(Boolean)
    # 来源编号: the 抽样单编号 or 检查编号 (or 问题编号) that led to the case, where the unit knows it
    source_no: Mapped[str | None] = mapped_column(String(64))
    batch_id: Mapped[int] = _record_batch()



class RiskScreening(Base):
    """风险排查: a third-party screening of one enterprise on one day (一户一档 hazard list) and
    whether it left a 一企一策 plan."""
    __tablename__ = "risk_screening"
    risk_screening_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = _credit_code()
    screening_date: Mapped[date] = mapped_column(Date)
    agency: Mapped[str | None] = mapped_column(String(TEXT_CELL))  # 排查机构
    count_hazards: Mapped[int] = mapped_column(Integer)
    has_plan: Mapped[bool] = mapped_column(Boolean)  # 是否制定一企一策方案
    batch_id: Mapped[int] = _record_batch()
    __table_args__ = (UniqueConstraint("credit_code", "screening_date"),)


class WorkTask(Base):
    """工作任务: a unit's own work item (细化措施, 责任人, 责任时限). It belongs to the unit that
    uploaded it, not to an enterprise; its key is unique within that unit."""
    __tablename__ = "work_task"
    work_task_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.unit_id"), index=True)
    task_no: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    owner_name: Mapped[str] = mapped_column(String(TEXT_CELL))  # 责任人
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))  # 未开始 / 进行中 / 已完成
    done_date: Mapped[date | None] = mapped_column(Date)
    evidence: Mapped[str | None] = mapped_column(Text)  # 佐证材料
    batch_id: Mapped[int] = _batch_fk()
    __table_args__ = (UniqueConstraint("unit_id", "task_no"),)


class WorkItemStatus(Base):
    """The status the office (办公室) gives one work item of a campaign file; the item itself lives
    in the YAML (its code is stable there), so only the status is stored."""
    __tablename__ = "work_item_status"
    campaign_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))  # 未开始 / 进行中 / 已完成
    done_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(100))

# ---------------------------------------------------------------- accounts and audit
class AppUser(Base):
    """A local account: role and org unit decide what its holder sees (dashboard.access)."""
    __tablename__ = "app_user"
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))  # admin | leader | chief | clerk
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.unit_id"))
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, never the password
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class LoginThrottle(Base):
    """Login attempts from one source (client address) for one account name as typed, whether or
    not the account exists; username '' holds the source's attempts over every name. Counted before
    the password is checked, so concurrent guesses cannot outrun the limit (dashboard.auth)."""
    __tablename__ = "login_throttle"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class UserSession(Base):
    """One signed-in browser: the cookie names it; logout, a password change or disabling the
    account revoke it."""
    __tablename__ = "user_session"
    session_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the id
    username: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditEvent(Base):
    """Who did what when: logins, failed logins, uploads, rollbacks, exports, account changes."""
    __tablename__ = "audit_event"
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    detail_json: Mapped[str] = mapped_column(Text, default="{}")


# The records of an enterprise: each checks its (batch, enterprise) pair against batch_enterprise.
ENTERPRISE_RECORDS = (SelfInspection, Responsibility, ManagementSystem, SupplierEvaluation, OfficerExam,
                      Inspection, Problem, Sampling, CadreVisit, ChecklistItem, StarRating,
                      EnforcementCase, RiskScreening)
# One index on (credit_code, batch_id) serves both what reads a record by its enterprise (the
# leading column) and a rollback's deletion of its batch's pairs: each deleted pair's check finds
# that pair's rows and no others (through an index on batch_id alone each check walked all the
# batch's rows: a 10,000-row batch of 3,000 enterprises, 2.2 s in sampling alone). One index where
# there were two (credit_code; batch_id, credit_code): a 10,000-row sampling COPY, 94 -> 83 ms of
# PostgreSQL's CPU. Nothing reads these tables by batch_id alone (a rollback's own enterprises come
# from batch_enterprise).
for _model in ENTERPRISE_RECORDS:
    _model.__table__.append_constraint(ForeignKeyConstraint(
        ["batch_id", "credit_code"], [BatchEnterprise.batch_id, BatchEnterprise.credit_code],
        name=f"fk_{_model.__tablename__}_batch_enterprise"))
    Index(f"ix_{_model.__tablename__}_enterprise_batch", _model.__table__.c.credit_code, _model.__table__.c.batch_id)


RECORD_MODELS = (Enterprise, SelfInspection, Responsibility, ManagementSystem, SupplierEvaluation,
                 OfficerExam, Inspection, Problem, Sampling, CadreVisit, StarRating,
                 EnforcementCase, ChecklistItem)


# ---------------------------------------------------------------- rollups and upload guard
class CommittedUpload(Base):
    """One row per file (sha256) whose upload is committed: the primary key makes a second,
    concurrent upload of the same bytes fail instead of landing twice; a rollback deletes it."""
    __tablename__ = "committed_upload"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("upload_batch.batch_id"), unique=True)


class RollupSamplingUnitDay(Base):
    """监督抽检 per org unit × sampling day, kept by the importer (dashboard.rollups): every batch,
    the counted ones (任务来源 other than 风险监测) and those counted and 合格. The unit is the
    enterprise's unit as it stands, so moving an enterprise recomputes both units' rows. A window's
    figure is a plain sum over its days, exact for any window, with no raw rows at its edges."""
    __tablename__ = "rollup_sampling_unit_day"
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sampling_date: Mapped[date] = mapped_column(Date, primary_key=True)
    count_samples: Mapped[int] = mapped_column(Integer)  # every row, 风险监测 included
    count_counted: Mapped[int] = mapped_column(Integer)
    count_passed: Mapped[int] = mapped_column(Integer)


class RollupSelfInspectionMonth(Base):
    """企业自查 per enterprise × month, kept by the importer (dashboard.rollups)."""
    __tablename__ = "rollup_self_inspection_month"
    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    month_date: Mapped[date] = mapped_column(Date, primary_key=True)
    month_end_date: Mapped[date] = mapped_column(Date)
    next_month_date: Mapped[date] = mapped_column(Date)
    count_self_inspections: Mapped[int] = mapped_column(Integer)
    last_inspection_date: Mapped[date] = mapped_column(Date)
    __table_args__ = (Index("ix_rollup_self_inspection_month_month", "month_date", "month_end_date"),)


class RollupEnterpriseSpan(Base):
    """The first and last record date of an enterprise in each record table whose target asks
    "any record from the campaign start to as_of" (供应商评价, 食安员抽考, 包保督导), kept by the
    importer (dashboard.rollups). One row per enterprise with any such record; a table it has no
    record in leaves its two dates null. A record falls in [start, as_of] when the first or the
    last date does; when neither does, only first < start and last > as_of still leaves room for
    one, and only then are the raw rows read (queries/enterprise_target_counts_by_unit.sql)."""
    __tablename__ = "rollup_enterprise_span"
    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    first_supplier_evaluation_date: Mapped[date | None] = mapped_column(Date)
    last_supplier_evaluation_date: Mapped[date | None] = mapped_column(Date)
    first_officer_exam_date: Mapped[date | None] = mapped_column(Date)
    last_officer_exam_date: Mapped[date | None] = mapped_column(Date)
    first_cadre_visit_date: Mapped[date | None] = mapped_column(Date)
    last_cadre_visit_date: Mapped[date | None] = mapped_column(Date)


class StoredFigureKey(Base):
    """One count query run with one set of bound parameters (dashboard.figures.stored):
    `params_hash` is the sha256 of the query's name and text, the campaign configuration's
    fingerprint and every parameter but the report units. Kept across uploads: each stored row
    carries the change number it was counted at."""
    __tablename__ = "stored_figure_key"
    key_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    query_name: Mapped[str] = mapped_column(String(100))
    params_hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (UniqueConstraint("params_hash", name="uq_stored_figure_key"),)


class StoredFigure(Base):
    """The rows a key's count query gave for one report unit: one per count_key, or one row with
    count_key '' when it gave none (the unit was computed: 0 of 0), counted when the newest change
    number was `change_no` (valid while no later change touched the unit's subtree)."""
    __tablename__ = "stored_figure"
    key_id: Mapped[int] = mapped_column(ForeignKey("stored_figure_key.key_id", ondelete="CASCADE"),
                                        primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    numerator: Mapped[int] = mapped_column(Integer)
    denominator: Mapped[int] = mapped_column(Integer)
    change_no: Mapped[int] = mapped_column(Integer)


class StoredFigureUnit(Base):
    """For each org unit, the number of the newest write (upload, rollback) that changed what a
    count query reads in its subtree; unit 0 holds the newest write that changed everything (a new
    org tree, a rollup rebuild). Numbers rise by one per write, in commit order (writers are
    serialised); the largest is the store's current position (dashboard.figures.stored)."""
    __tablename__ = "stored_figure_unit"
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_no: Mapped[int] = mapped_column(Integer)


# tables of the stored figures: a cache a read fills and the change numbers writes leave for it; no
# write restores them, no snapshot of the data holds them (dashboard.db.table_snapshot)
CACHE_TABLES = (StoredFigureKey.__tablename__, StoredFigure.__tablename__, StoredFigureUnit.__tablename__)
