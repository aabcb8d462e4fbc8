"""The measures: the closed vocabulary a campaign's targets are written in (docs/campaigns.md).

A target in a campaign file is `{code, name, measure, …parameters, threshold}`; `measure` names one
class below, which checks its parameters and brings everything the rest of the dashboard says
about the figure: its counts for each report unit, its members ("who is behind this figure", each
flagged when in the numerator, with the record that decided it), the reason a member is still
missing, its definition, its pace rule (cumulative or level) and its sentences. Pages, exports,
the CLI and provenance ask the measure; no Python module names a target code.

Counting: a measure whose parameters are ones the province-scale count queries answer (the
`queries/*_counts_by_unit.sql`, one per family, every report unit in one run) names its `count_key`
there and binds its own parameters with `count_params`; the rollup-backed queries of the nine
Dongtai targets answer fixed parameters, several targets per run. Any other parameters count the
members in Python (exact, slower at scale). Tests prove both ways agree with the members.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from math import ceil
from typing import ClassVar

from sqlalchemy.engine import Engine

from ..campaign import CampaignConf, PopulationConf, TargetConf
from ..db import execute
from ..labels import normalise_dates
from ..periods import month_key, month_label
from .problem_state import problem_on

CUMULATIVE, LEVEL = "cumulative", "level"
CN_DIGITS = "零一二三四五六七八九十"

# The record kinds a coverage or count may ask for (the sheets of the data contract).
SUBJECT_RECORDS = ("企业自查", "供应商评价", "食安员抽考", "包保督导", "监督检查", "检查清单", "风险排查", "监督抽检")
PERIODS = {"统计区间": "统计区间内", "行动以来": "行动开始至统计日"}
PROBLEM_SOURCES = ("监督检查", "监督抽检", "风险排查", "包保督导", "投诉举报", "企业自查")
TASK_SOURCES = ("国抽", "省抽", "市抽", "县抽", "风险监测")
INSPECTION_TYPES = ("日常检查", "飞行检查", "交叉检查", "双随机检查", "专项检查")
# what `sources` / `exclude_sources` of a coverage or count select, per record kind
RECORD_SOURCES = {"监督抽检": ("任务来源", TASK_SOURCES), "监督检查": ("检查类型", INSPECTION_TYPES)}
GRADES = ("A", "B", "C", "D")
GRADE_COLUMNS = {"风险等级": "risk_grade", "信用等级": "credit_grade"}
# 主体责任月报's nine items: the Chinese item → its column of the responsibility table
RESPONSIBILITY_ITEMS = {
    "主要负责人": "has_principal", "食品安全总监": "has_safety_director", "食品安全员": "has_safety_officer",
    "日管控": "is_daily_control_done", "周排查": "is_weekly_check_done", "月调度": "is_monthly_review_done",
    "日管控清单": "has_daily_list", "周排查报告": "has_weekly_report", "月调度记录": "has_monthly_record"}
ENTERPRISE_FLAGS = "enterprise_target_flags"
ENTERPRISE_COUNTS = "enterprise_target_counts_by_unit"
SUBJECTS = "enterprise_grades"  # the active subjects alone (with grades): lighter than every flag
RECORD_COVERAGE = "record_coverage_counts_by_unit"


class MeasureError(ValueError):
    """A parameter a measure cannot use; `key` is the campaign file's key it is about."""

    def __init__(self, key: str | None, message: str):
        super().__init__(message)
        self.key = key


def cn_number(n: int) -> str:
    """9 → 九, 14 → 十四 (item counts in definitions)."""
    if n <= 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (CN_DIGITS[tens] if tens > 1 else "") + "十" + (CN_DIGITS[ones] if ones else "")


@dataclass(frozen=True)
class Param:
    """One parameter of a measure kind: required or its default, allowed values (each item of a
    list), and its type."""
    kind: type = str
    required: bool = False
    default: object = None
    choices: tuple = ()
    text: str = ""  # what it means (docs/campaigns.md)


# ------------------------------------------------------------------ the base
class Measure:
    """One configured target computed by one measure kind."""
    kind: ClassVar[str]
    title: ClassVar[str]                  # the kind in Chinese (docs, errors)
    pace: ClassVar[str] = LEVEL
    PARAMS: ClassVar[dict[str, Param]] = {}
    subject_based: ClassVar[bool] = True  # members are subjects (企业): coverage-like gap lists
    gap_extra: ClassVar[tuple[str, ...]] = ()       # member columns a gap row lists besides the subject's
    gap_columns: ClassVar[tuple[str, ...]] = ("unit_name", "credit_code", "name", "cadre_name", "reason")
    gap_rank: ClassVar[int] = 0           # where its gap list stands in the exports

    def __init__(self, conf: CampaignConf, target: TargetConf):
        self.conf, self.target = conf, target
        self.p = self._checked(dict(target.params))
        self.population: PopulationConf = conf.population(self.p.get("population"))

    # -------------------------------------------------------------- parameters
    def _checked(self, raw: dict) -> dict:
        known = {**self.PARAMS, "population": Param(text="对象范围"),
                 "due_phase": Param(int, text="累积型：应在第几阶段结束时达到目标（进度线按该阶段末计）")}
        for key in raw:
            if key not in known:
                raise MeasureError(key, f"度量“{self.kind}”没有参数“{key}”（可用：{'、'.join(known)}）")
        out = {}
        for key, spec in known.items():
            if key not in raw or raw[key] is None:
                if spec.required:
                    raise MeasureError(None, f"度量“{self.kind}”缺少参数“{key}”（{spec.text}）")
                out[key] = spec.default
                continue
            out[key] = self._value(key, spec, raw[key])
        if "checklist" in self.PARAMS and out["record"] == "检查清单" and not out["checklist"]:
            raise MeasureError("record", "record 为 检查清单 时须用 checklist 写明清单名称")
        if out["due_phase"] is not None and not 1 <= out["due_phase"] <= len(self.conf.phases):
            raise MeasureError("due_phase", f"须是 1 到 {len(self.conf.phases)} 之间的阶段序号")
        if "plan_required" in self.PARAMS:
            _check_record_filters(out)
        return out

    def _value(self, key: str, spec: Param, value):
        if spec.kind is list:
            if not isinstance(value, list) or not value:
                raise MeasureError(key, f"须是非空列表，如 [{'、'.join(map(str, spec.choices[:2])) or '…'}]")
            items = value
        elif spec.kind is bool:
            if not isinstance(value, bool):
                raise MeasureError(key, "须是 true 或 false")
            return value
        elif spec.kind is int:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise MeasureError(key, f"须是非负整数，而不是“{value}”")
            return value
        else:
            items = [value]
        for item in items:
            if spec.choices and item not in spec.choices:
                raise MeasureError(key, f"“{item}”不可用（可用：{'、'.join(spec.choices)}）")
        return value

    # -------------------------------------------------------------- what it is
    @property
    def code(self) -> str:
        return self.target.code

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def short_name(self) -> str:
        """The name for matrix headers and chart axes."""
        return self.target.short_name or self.target.name

    def word(self, key: str) -> str:
        """A sentence of this target: the campaign file's wording, else the measure's default."""
        return self.target.wording.get(key) or self.default_word(key)

    def default_word(self, key: str) -> str:
        raise NotImplementedError

    @property
    def definition(self) -> str:
        return self.word("definition")

    @property
    def count_key(self) -> tuple[str, str] | None:
        """(count query, count_key) when a count query answers these parameters."""
        return None

    def count_params(self, params: dict) -> dict:
        """The count query's bound parameters beyond the selection's `params` (the measure's own)."""
        return {}

    def _population_params(self) -> dict:
        """The population as the count queries bind it (large_only, all_subject_types, subject_types)."""
        pop = self.population
        return {"large_only": int(pop.large_only), "all_subject_types": int(not pop.subject_types),
                "subject_types": list(pop.subject_types)}

    # -------------------------------------------------------------- figures
    def members(self, engine: Engine, sel) -> list[dict]:
        """Every member of the denominator for a resolved selection: the subject's columns
        (unit_code, unit_name, unit_order, credit_code, name, cadre_name, batch_id), is_numerator,
        member_label, evidence_label/_date/_batch_id and, when not in the numerator, reason."""
        raise NotImplementedError

    def goal(self, unit_code: str) -> int | None:
        """An absolute denominator (count); None: the denominator is the members."""
        return None

    def gaps(self, engine: Engine, sel) -> list[dict]:
        """Who is still missing ("尚缺清单"): by default the members outside the numerator, so
        there are exactly denominator − numerator of them. Rows are members (same columns)."""
        return [r for r in self.members(engine, sel) if not r["is_numerator"]]

    @property
    def gap_note(self) -> str | None:
        """Why the target has no gap list, when it has none (gap_columns empty)."""
        return None

    def pace_end(self) -> date:
        """The day a cumulative target should reach its threshold: the end of its due_phase, else
        the end of the last phase (the campaign's end without phases)."""
        if self.p.get("due_phase"):
            return self.conf.phases[self.p["due_phase"] - 1].end_date
        return max((p.end_date for p in self.conf.phases), default=self.conf.end_date)

    def _run(self, engine: Engine, query: str, sel, **extra) -> list[dict]:
        return [normalise_dates(r) for r in execute(engine, query, unit_id=sel.unit["unit_id"],
                                                      **sel.params, **extra)]

    def in_population(self, r: dict) -> bool:
        """Whether a subject row (is_large, subject_type) is in the target's population."""
        return self._in_population(r)

    def _in_population(self, r: dict) -> bool:
        pop = self.population
        return (not pop.large_only or bool(r["is_large"])) and (
            not pop.subject_types or r["subject_type"] in pop.subject_types)

    def _plain_population(self) -> bool:
        """Every active subject: what the province-scale count queries count."""
        return not self.population.large_only and not self.population.subject_types

    def _record_name(self) -> str:
        """The 检查清单 a record parameter of 检查清单 means ('' for any other record)."""
        return self.p.get("checklist") or ""

    def _record_text(self) -> str:
        text = self._record_name() or self.p["record"]
        if self.p.get("plan_required"):
            text += "（已制定一企一策方案）"
        if self.p.get("sources"):  # 监督检查's are its types (飞行检查、交叉检查), 监督抽检's its task sources
            text = "、".join(self.p["sources"]) + ("" if self.p["record"] == "监督检查" else text)
        if self.p.get("exclude_sources"):
            text += f"（{'、'.join(self.p['exclude_sources'])}不计）"
        return text

    def _records(self, engine, sel, start: date, end: date) -> list[dict]:
        """The subject_records of the record parameters dated in [start, end], filtered by the
        sources and the plan the target asks for."""
        p = self.p
        return [r for r in self._run(engine, "subject_records", sel, record_kind=p["record"],
                                     record_name=self._record_name(), record_from_date=start,
                                     record_to_date=end)
                if (not p.get("sources") or r["record_source"] in p["sources"])
                and r["record_source"] not in (p.get("exclude_sources") or ())
                and (not p.get("plan_required") or r["has_plan"])]

    def _filtered(self) -> bool:
        return bool(self.p.get("sources") or self.p.get("exclude_sources") or self.p.get("plan_required"))

    def _period(self, sel) -> tuple[date, date]:
        return self._period_of(sel.params)

    def _period_of(self, params: dict) -> tuple[date, date]:
        if self.p.get("period") == "行动以来":
            return params["campaign_start_date"], params["as_of"]
        return params["from_date"], params["to_date"]


def _subject(r: dict) -> dict:
    return {k: r[k] for k in ("unit_code", "unit_name", "unit_order", "credit_code", "name", "cadre_name",
                              "batch_id")}


MEASURES: dict[str, type[Measure]] = {}


def measure_kind(cls: type[Measure]) -> type[Measure]:
    """Register a measure class under its kind."""
    MEASURES[cls.kind] = cls
    return cls


# the records a coverage or count asks for (subject_records.sql)
RECORD_PARAMS = {"record": Param(required=True, choices=SUBJECT_RECORDS, text="哪类记录"),
                 "checklist": Param(text="record 为 检查清单 时：清单名称"),
                 "sources": Param(list, default=[], choices=TASK_SOURCES + INSPECTION_TYPES,
                                  text="只计这些来源（监督抽检：任务来源；监督检查：检查类型）"),
                 "exclude_sources": Param(list, default=[], choices=TASK_SOURCES + INSPECTION_TYPES,
                                          text="不计这些来源（监督抽检：任务来源；监督检查：检查类型）"),
                 "plan_required": Param(bool, default=False, text="风险排查：只计制定了一企一策方案的")}


def _check_record_filters(p: dict) -> None:
    """sources / exclude_sources only for a record kind that has them, from its own values;
    plan_required only for 风险排查."""
    for key in ("sources", "exclude_sources"):
        if not p[key]:
            continue
        if p["record"] not in RECORD_SOURCES:
            raise MeasureError(key, f"只有 {'、'.join(RECORD_SOURCES)} 可按来源筛选")
        what, allowed = RECORD_SOURCES[p["record"]]
        wrong = [x for x in p[key] if x not in allowed]
        if wrong:
            raise MeasureError(key, f"{p['record']}没有{what}“{'、'.join(wrong)}”（可用：{'、'.join(allowed)}）")
    if p["plan_required"] and p["record"] != "风险排查":
        raise MeasureError("plan_required", "只有 record 为 风险排查 时可用")


# ------------------------------------------------------------------ coverage
@measure_kind
class Coverage(Measure):
    """Subjects of the population with a record of the kind in the period ÷ the subjects."""
    kind, title, pace = "coverage", "覆盖率", CUMULATIVE
    PARAMS = {**RECORD_PARAMS,
              "period": Param(default="统计区间", choices=tuple(PERIODS),
                              text="统计区间内，或行动开始至统计日")}
    # (record, period) → the flag the province-scale enterprise queries compute
    FLAGS = {("企业自查", "统计区间"): "self_inspected", ("供应商评价", "行动以来"): "suppliers_evaluated",
             ("食安员抽考", "行动以来"): "officers_examined", ("包保督导", "行动以来"): "supervised"}

    @property
    def _flag(self) -> str | None:
        plain = self._plain_population() and not self._filtered()
        return self.FLAGS.get((self.p["record"], self.p["period"])) if plain else None

    @property
    def count_key(self):
        return (ENTERPRISE_COUNTS, self._flag) if self._flag else (RECORD_COVERAGE, "covered")

    def count_params(self, params):
        if self._flag:
            return {}
        start, end = self._period_of(params)
        p = self.p
        return {**self._population_params(), "record_kind": p["record"], "record_name": self._record_name(),
                "record_from_date": start, "record_to_date": end, "any_source": int(not p["sources"]),
                "sources": list(p["sources"]), "exclude_sources": list(p["exclude_sources"]),
                "plan_required": int(p["plan_required"])}

    def default_word(self, key: str) -> str:
        rec, pop, when = self._record_text(), self.population.name, self.p["period"]
        return {
            "definition": f"分子：{PERIODS[when]}有{rec}记录的{pop}数；分母：{pop}数。",
            "missing": f"{'本期' if when == '统计区间' else '行动以来'}无{rec}记录",
            "gap_title": f"无{rec}记录的{pop}",
            "gap_issue": f"{self.conf.word('subject_unit')}{pop}{PERIODS[when]}无{rec}记录",
            "action": f"督促{{n}}{self.conf.word('subject_unit')}{pop}开展{rec}",
        }[key]

    def members(self, engine, sel):
        subjects = [r for r in self._run(engine, ENTERPRISE_FLAGS if self._flag else SUBJECTS, sel)
                    if self._in_population(r)]
        if self._flag:
            f = self._flag
            latest = {r["credit_code"]: (r[f"{f}_evidence_label"], r[f"{f}_evidence_date"],
                                         r[f"{f}_evidence_batch_id"]) for r in subjects if r[f"is_{f}"]}
        else:
            latest = latest_records(self._records(engine, sel, *self._period(sel)))
        return [{**_subject(r), **_evidence(latest.get(r["credit_code"]), self.word("missing"))}
                for r in subjects]


def latest_records(rows: list[dict]) -> dict[str, tuple]:
    """credit_code → (label, date, batch) of its latest record (ties: the first label)."""
    out = {}
    for r in sorted(rows, key=lambda r: (r["record_date"], r["evidence_label"]), reverse=True):
        out.setdefault(r["credit_code"], (r["evidence_label"], r["record_date"], r["batch_id"]))
    return out


def _evidence(found: tuple | None, missing: str) -> dict:
    label, day, batch = found or (None, None, None)
    return {"is_numerator": int(found is not None), "member_label": None, "evidence_label": label,
            "evidence_date": day, "evidence_batch_id": batch, "reason": None if found else missing}


# ------------------------------------------------------------------ checklist
@measure_kind
class Checklist(Measure):
    """Subjects whose latest checklist in the window has every listed item 是 ÷ subjects."""
    kind, title, pace = "checklist", "清单落实率", LEVEL
    PARAMS = {"record": Param(default="主体责任月报", text="主体责任月报，或检查清单的清单名称"),
              "items": Param(list, required=True, text="须全部为“是”的项目")}
    MONTHLY = "主体责任月报"  # the nine items of the responsibility sheet; any other name: 检查清单

    def _checked(self, raw: dict) -> dict:
        p = super()._checked(raw)
        if p["record"] == self.MONTHLY:
            wrong = [i for i in p["items"] if i not in RESPONSIBILITY_ITEMS]
            if wrong:
                raise MeasureError("items", f"主体责任月报没有项目“{'、'.join(map(str, wrong))}”"
                                            f"（可用：{'、'.join(RESPONSIBILITY_ITEMS)}）")
        if len(set(map(str, p["items"]))) != len(p["items"]):
            raise MeasureError("items", "项目重复")
        return p

    @property
    def count_key(self):
        whole = self.p["record"] == self.MONTHLY and set(self.p["items"]) == set(RESPONSIBILITY_ITEMS)
        return (ENTERPRISE_COUNTS, "responsibility_done") if whole and self._plain_population() else None

    def default_word(self, key: str) -> str:
        rec, pop, n = self.p["record"], self.population.name, cn_number(len(self.p["items"]))
        return {
            "definition": f"分子：统计区间内最近一期{rec}{n}项均为“是”的{pop}数；分母：{pop}数。",
            "missing": f"本期无{rec}",
            "gap_title": f"{rec}未全部落实的{pop}",
            "gap_issue": f"{self.conf.word('subject_unit')}{pop}{rec}未全部落实",
            "action": f"督促{{n}}{self.conf.word('subject_unit')}{pop}逐项落实{rec}",
        }[key]

    def _latest(self, engine, sel, subjects: list[dict]) -> dict[str, tuple]:
        """credit_code → (day, items done, batch) of its latest checklist in the window."""
        if self.p["record"] == self.MONTHLY:  # the latest 主体责任 month, from the flags query
            return {r["credit_code"]: (r["responsibility_month_date"],
                                       {i for i, col in RESPONSIBILITY_ITEMS.items() if r[col]},
                                       r["responsibility_done_evidence_batch_id"])
                    for r in subjects if r["responsibility_month_date"] is not None}
        out: dict[str, tuple] = {}
        for r in self._run(engine, "checklist_items_latest", sel, checklist_name=self.p["record"]):
            day, done, batch = out.get(r["credit_code"], (r["check_date"], set(), r["batch_id"]))
            out[r["credit_code"]] = (day, done | ({r["item"]} if r["is_done"] else set()), max(batch, r["batch_id"]))
        return out

    def members(self, engine, sel):
        items, rec = self.p["items"], self.p["record"]
        subjects = [r for r in self._run(engine, ENTERPRISE_FLAGS, sel) if self._in_population(r)]
        latest = self._latest(engine, sel, subjects)
        out = []
        for r in subjects:
            day, done_items, batch = latest.get(r["credit_code"], (None, set(), None))
            missing = [i for i in items if i not in done_items]
            done = day is not None and not missing
            label = None if day is None else (f"{rec}：{cn_number(len(items))}项均落实" if done
                                               else f"{rec}：未全部落实")
            when = "" if day is None else (month_label(month_key(day)) if rec == self.MONTHLY
                                           else f"{day.year}年{day.month}月{day.day}日")
            reason = None if done else (f"{when}未落实：" + "、".join(missing) if day else self.word("missing"))
            out.append({**_subject(r), "is_numerator": int(done), "member_label": None,
                        "evidence_label": label, "evidence_date": day, "evidence_batch_id": batch,
                        "reason": reason})
        return out


# ------------------------------------------------------------------ valid certificate
@measure_kind
class ValidCertificate(Measure):
    """Subjects holding, on as_of, an unexpired certificate of every group (any kind of a group)
    ÷ subjects."""
    kind, title, pace = "valid_certificate", "有效证书持有率", CUMULATIVE
    PARAMS = {"all_of": Param(list, required=True,
                              text="证书组，每组 {any_of: [种类…], missing: …, expired: …}，须每组都持有")}
    DONGTAI = [{"HACCP", "ISO22000"}, {"智能化追溯体系"}]

    def _value(self, key, spec, value):
        if key != "all_of":
            return super()._value(key, spec, value)
        if not isinstance(value, list) or not value:
            raise MeasureError(key, "须是证书组列表")
        groups = []
        for g in value:
            g = {"any_of": g} if isinstance(g, list) else g
            if not isinstance(g, dict) or not isinstance(g.get("any_of"), list) or not g["any_of"]:
                raise MeasureError(key, "每组须写作 {any_of: [HACCP, ISO22000]} 或 [HACCP, ISO22000]")
            names = [str(x) for x in g["any_of"]]
            groups.append({"any_of": names, "missing": g.get("missing") or f"缺少{'或'.join(names)}",
                           "expired": g.get("expired") or f"{'/'.join(names)}证书已过期"})
        return groups

    @property
    def count_key(self):
        same = [set(g["any_of"]) for g in self.p["all_of"]] == self.DONGTAI
        return (ENTERPRISE_COUNTS, "systems_held") if same and self.population.large_only else None

    def default_word(self, key: str) -> str:
        pop = self.population.name
        held = "，并持有".join("或".join(g["any_of"]) for g in self.p["all_of"])
        return {
            "definition": f"分子：截至统计日持有已建立且未过期的{held}的{pop}数；分母：{pop}数。",
            "held": "所列证书均有效",
            "gap_title": f"证书未持有或已过期的{pop}",
            "gap_issue": f"{self.conf.word('subject_unit')}{pop}证书未持有或已过期",
            "action": f"帮扶{{n}}{self.conf.word('subject_unit')}{pop}取得{held}，过期的及时复审换证",
        }[key]

    def members(self, engine, sel):
        held: dict[str, list[dict]] = {}
        for c in self._run(engine, "certificates_held", sel):
            held.setdefault(c["credit_code"], []).append(c)
        out = []
        for r in self._run(engine, ENTERPRISE_FLAGS, sel):
            if not self._in_population(r):
                continue
            certs = held.get(r["credit_code"], [])
            valid = [c for c in certs if c["is_valid"]]
            reasons = []
            for g in self.p["all_of"]:
                mine = [c for c in certs if c["system_type"] in g["any_of"]]
                if not any(c["is_valid"] for c in mine):
                    reasons.append(g["expired"] if mine else g["missing"])
            # the valid one established last decides (ties: the first kind by name)
            last = max(sorted(valid, key=lambda c: c["system_type"]), key=lambda c: c["established_date"],
                       default=None)
            label = None if last is None else (
                f"{self.word('held')}（最近：{last['system_type']}）" if not reasons
                else f"仅有：{last['system_type']}")
            out.append({**_subject(r), "is_numerator": int(not reasons), "member_label": None,
                        "evidence_label": label, "evidence_date": last and last["established_date"],
                        "evidence_batch_id": last and last["batch_id"],
                        "reason": "；".join(reasons) or None})
        return out


# ------------------------------------------------------------------ pass rate
@measure_kind
class PassRate(Measure):
    """Records (sampling batches; people by their latest exam) that passed ÷ records counted."""
    kind, title, pace = "pass_rate", "合格率", LEVEL
    PARAMS = {"record": Param(required=True, choices=("监督抽检", "食安员抽考"), text="哪类记录"),
              "exclude_sources": Param(list, default=[], choices=TASK_SOURCES,
                                       text="不计入的任务来源（监督抽检）"),
              "hazard_class": Param(text="只计检验项目类别含此类的批次（监督抽检）")}
    subject_based = False

    def __init__(self, conf, target):
        super().__init__(conf, target)
        people = self.p["record"] == "食安员抽考"
        self.gap_rank = 1 if people else 4
        self.gap_extra = (("person_name", "post", "exam_date", "score") if people else
                          ("sample_no", "food_name", "sampling_date", "task_source", "failed_items",
                           "disposal_status"))
        self.gap_columns = (("unit_name", "credit_code", "name", "person_name", "post", "exam_date", "score",
                             "reason") if people else
                            ("unit_name", "name", "sample_no", "food_name", "sampling_date", "task_source",
                             "failed_items", "disposal_status"))

    @property
    def is_people(self) -> bool:
        return self.p["record"] == "食安员抽考"

    @property
    def count_key(self):
        if self.is_people:
            return ("officer_exam_pass_counts_by_unit", "exams_passed")
        if self.p["exclude_sources"] == ["风险监测"] and not self.p["hazard_class"]:
            return ("sampling_pass_counts_by_unit", "samples_passed")
        return None

    def default_word(self, key: str) -> str:
        if self.is_people:
            return {"definition": "分子：截至统计日最近一次抽考合格的人数（企业＋姓名）；分母：参加过抽考的人数。",
                    "gap_title": "抽考不合格人员", "gap_issue": "名人员最近一次抽考不合格",
                    "action": "对{n}名抽考不合格人员组织培训和补考"}[key]
        hz = f"检验项目含{self.p['hazard_class']}的" if self.p["hazard_class"] else ""
        ex = f"（{'、'.join(self.p['exclude_sources'])}不计）" if self.p["exclude_sources"] else ""
        return {"definition": f"分子：统计区间内{hz}抽检合格批次；分母：统计区间内{hz}抽检批次{ex}。",
                "gap_title": f"{hz}抽检不合格批次", "gap_issue": f"批次{hz}产品抽检不合格",
                "action": "对{n}批次不合格产品依法核查处置"}[key]

    def members(self, engine, sel):
        if self.is_people:
            return [{**r, "is_numerator": int(r["is_passed"]),
                     "member_label": f"{r['person_name']}（{r['post']}）",
                     "evidence_label": "最近一次抽考合格" if r["is_passed"] else "最近一次抽考不合格",
                     "evidence_date": r["exam_date"], "evidence_batch_id": r["batch_id"],
                     "reason": None if r["is_passed"] else
                     f"最近一次抽考不合格（{r['exam_date']}，{r['score']:g}分）"}
                    for r in self._run(engine, "officer_exams_latest", sel)]
        out = []
        for r in self._run(engine, "sampling_batches", sel):
            if r["task_source"] in self.p["exclude_sources"]:
                continue
            if self.p["hazard_class"] and self.p["hazard_class"] not in (r["hazard_classes"] or "").split("、"):
                continue
            items = r["failed_items"]
            out.append({**r, "is_numerator": int(r["is_passed"]),
                        "member_label": f"{r['sample_no']}：{r['food_name']}",
                        "evidence_label": r["verdict"] + ("" if items is None else f"：{items}"),
                        "evidence_date": r["sampling_date"], "evidence_batch_id": r["batch_id"],
                        "reason": None if r["is_passed"] else "抽检不合格" + (f"：{items}" if items else "")})
        return out


# ------------------------------------------------------------------ closure
@measure_kind
class Closure(Measure):
    """Problems closed (and reviewed 已整改) by as_of ÷ problems of the listed sources."""
    kind, title, pace = "closure", "整改率", LEVEL
    PARAMS = {"sources": Param(list, required=True, choices=PROBLEM_SOURCES, text="计入的问题来源"),
              "since": Param(default="行动以来", choices=tuple(PERIODS), text="发现日期的范围"),
              "past_deadline_only": Param(bool, default=False, text="只计整改期限已到的问题"),
              "reviewed": Param(bool, default=True, text="须复查结论为“已整改”")}
    subject_based = False
    gap_rank = 2
    gap_extra = ("problem_no", "description", "found_date", "deadline_date", "closed_date", "review_result")
    gap_columns = ("unit_name", "name", "cadre_name", "problem_no", "description", "found_date",
                   "deadline_date", "reason")

    @property
    def count_key(self):
        plain = (self.p["sources"] == ["监督检查"] and self.p["since"] == "行动以来"
                 and not self.p["past_deadline_only"] and self.p["reviewed"])
        return ("rectification_counts_by_unit", "problems_rectified") if plain else None

    def default_word(self, key: str) -> str:
        when, src = PERIODS[self.p["since"]], "、".join(self.p["sources"])
        due = "且整改期限已到" if self.p["past_deadline_only"] else ""
        return {"definition": f"分子：{when}{src}发现{due}、且统计日前已整改完成的问题数；分母：{when}{src}发现{due}的问题数。",
                "gap_title": f"{src}问题未整改", "gap_issue": f"个{src}发现的问题未整改完成",
                "action": "对{n}个未整改问题逐一跟踪督办，逾期问题限期整改到位"}[key]

    def members(self, engine, sel):
        start, end = (sel.params["campaign_start_date"], sel.params["as_of"]) if self.p["since"] == "行动以来" \
            else (sel.params["from_date"], sel.params["to_date"])
        as_of = sel.params["as_of"]
        out = []
        for r in self._run(engine, "problems_listed", sel):
            if r["source"] not in self.p["sources"] or not start <= r["found_date"] <= end:
                continue
            if self.p["past_deadline_only"] and r["deadline_date"] > as_of:
                continue
            closed = r["closed_date"] is not None and r["closed_date"] <= as_of
            done = closed and (r["review_result"] == "已整改" or not self.p["reviewed"])
            r = problem_on(r, as_of)  # shown as it stood on as_of (dashboard.figures.problem_state)
            out.append({**r, "is_numerator": int(done), "member_label": f"{r['problem_no']}：{r['description']}",
                        "evidence_label": r["problem_status"], "evidence_date": r["closed_date"],
                        "evidence_batch_id": r["batch_id"], "reason": None if done else r["problem_status"]})
        return out


# ------------------------------------------------------------------ count
@measure_kind
class Count(Measure):
    """A number of subjects with a record (or of records) against an absolute goal. Its gap list:
    counting distinct subjects, the candidates of the population not counted yet; counting
    records, none (gap_note says why)."""
    kind, title, pace = "count", "数量", CUMULATIVE
    PARAMS = {**RECORD_PARAMS,
              "distinct": Param(default="subjects", choices=("subjects", "records"),
                                text="数主体（subjects，每家一次）还是记录（records）"),
              "period": Param(default="行动以来", choices=tuple(PERIODS), text="记录日期的范围"),
              "goal": Param(int, required=True, text="目标数（分母）"),
              "goals": Param(dict, default={}, text="按单位代码另设的目标数")}
    subject_based = False
    gap_rank = 5

    def __init__(self, conf, target):
        super().__init__(conf, target)
        self.gap_columns = Measure.gap_columns if self.p["distinct"] == "subjects" else ()

    def _value(self, key, spec, value):
        if key != "goals":
            return super()._value(key, spec, value)
        if not isinstance(value, dict) or not all(isinstance(v, int) and v >= 0 for v in value.values()):
            raise MeasureError(key, "须是 单位代码: 目标数 的映射")
        return {str(k): v for k, v in value.items()}

    def goal(self, unit_code: str) -> int:
        return self.p["goals"].get(unit_code, self.p["goal"])

    @property
    def gap_note(self) -> str | None:
        if self.p["distinct"] == "subjects":
            return None
        return f"{self.name}按{self._record_text()}记录数计，尚未发生的记录无法列出，没有尚缺清单；差额见完成情况。"

    def default_word(self, key: str) -> str:
        rec, when = self._record_text(), PERIODS[self.p["period"]]
        who = self.population.name if self.p["population"] else "主体"
        what = f"有{rec}记录的{who}数" if self.p["distinct"] == "subjects" else f"{rec}记录数"
        goals = "、".join(f"{code} {n}" for code, n in self.p["goals"].items())
        goal = f"目标数（{goals}，其他单位 {self.p['goal']}）" if goals else f"目标数{self.p['goal']}"
        return {"definition": f"分子：{when}{what}；分母：{goal}。",
                "missing": f"{'行动以来' if self.p['period'] == '行动以来' else '本期'}无{rec}记录（尚未计入）",
                "gap_title": f"尚未计入{self.name}的{self.population.name}（候选）",
                "gap_issue": f"（{self.name}）尚未达到目标数",
                "action": f"加快推进{self.name}，距目标尚差{{n}}"}[key]

    def members(self, engine, sel):
        rows = [r for r in self._records(engine, sel, *self._period(sel))
                if not self.p["population"] or (r["status"] == "在产" and (
                    not self.population.subject_types or r["subject_type"] in self.population.subject_types))]
        if self.p["distinct"] == "subjects":  # each subject once, by its latest record
            rows = list({r["credit_code"]: r for r in sorted(
                rows, key=lambda r: (r["record_date"], r["evidence_label"]))}.values())
        return [{**r, "is_numerator": 1, "member_label": None if self.p["distinct"] == "subjects"
                 else r["evidence_label"], "evidence_date": r["record_date"],
                 "evidence_batch_id": r["batch_id"], "reason": None} for r in rows]

    def gaps(self, engine, sel):
        """The population's active subjects not counted yet (candidates for the goal); none when
        the target counts records."""
        if self.p["distinct"] != "subjects":
            return []
        counted = {r["credit_code"] for r in self.members(engine, sel)}
        return [{**_subject(r), **_evidence(None, self.word("missing"))}
                for r in self._run(engine, SUBJECTS, sel)
                if self._in_population(r) and r["credit_code"] not in counted]


# ------------------------------------------------------------------ within days
def working_days(start: date, end: date) -> int:
    """Monday-to-Friday days after start up to end (public holidays are not known here)."""
    return sum((start + timedelta(days=i)).weekday() < 5 for i in range(1, (end - start).days + 1))


@dataclass(frozen=True)
class SpanRecord:
    """A record kind with dates a within-days measure may measure between: its query, its key and
    label columns, its dates (Chinese name → column), the defaults, and what `sources` selects."""
    query: str
    key: str
    what: str
    dates: dict
    start: str
    end: str
    source_column: str
    source_choices: tuple
    noun: str
    unit: str  # its measure word: 个 (problems), 批 (batches)


SPAN_RECORDS = {
    "问题整改": SpanRecord("problems_listed", "problem_no", "description",
                       {"发现日期": "found_date", "整改期限": "deadline_date", "整改完成日期": "closed_date"},
                       "发现日期", "整改完成日期", "source", PROBLEM_SOURCES, "问题", "个"),
    "不合格抽检": SpanRecord("sampling_cases", "sample_no", "food_name",
                        {"抽样日期": "sampling_date", "立案日期": "filed_date"},
                        "抽样日期", "立案日期", "task_source", TASK_SOURCES, "不合格批次", "批"),
}
# how a sentence speaks of a date: 整改完成 (日期), 自发现起
DATE_VERBS = {"发现日期": "发现", "整改期限": "整改期限届满", "整改完成日期": "整改完成", "抽样日期": "抽样",
              "立案日期": "立案"}


@measure_kind
class WithinDays(Measure):
    """Records whose two dates (declared in the campaign file) are at most N (working) days apart
    ÷ records ending in the window (or, with `by: 开始日期`, starting in it: a record not ended
    by as_of is then in the denominator and not in the numerator)."""
    kind, title, pace = "within_days", "时限内完成率", LEVEL
    PARAMS = {"record": Param(default="问题整改", choices=tuple(SPAN_RECORDS),
                              text="哪类记录（问题整改；不合格抽检：抽样日期→立案日期，按案件来源编号关联）"),
              "from": Param(choices=tuple(DATE_VERBS), text="起算日期（默认：问题整改 发现日期，不合格抽检 抽样日期）"),
              "to": Param(choices=tuple(DATE_VERBS), text="完成日期（默认：问题整改 整改完成日期，不合格抽检 立案日期）"),
              "days": Param(int, required=True, text="最多天数"),
              "working_days": Param(bool, default=False, text="按工作日（周一至周五）计"),
              "by": Param(default="完成日期", choices=("完成日期", "起算日期"),
                          text="按完成日期（默认）还是起算日期落在统计区间内计入"),
              "sources": Param(list, default=[], choices=PROBLEM_SOURCES + TASK_SOURCES,
                               text="计入的来源（问题整改：问题来源；不合格抽检：任务来源；默认全部）")}
    subject_based = False
    gap_rank = 5

    def __init__(self, conf, target):
        super().__init__(conf, target)
        rec = self.spec
        self.gap_extra = (rec.key, rec.what, rec.dates[self.start], rec.dates[self.end])
        self.gap_columns = ("unit_name", "name", *self.gap_extra, "reason")

    def _checked(self, raw: dict) -> dict:
        p = super()._checked(raw)
        rec = SPAN_RECORDS[p["record"]]
        for key in ("from", "to"):
            if p[key] is not None and p[key] not in rec.dates:
                raise MeasureError(key, f"{p['record']}没有“{p[key]}”（可用：{'、'.join(rec.dates)}）")
        if (p["from"] or rec.start) == (p["to"] or rec.end):
            raise MeasureError("to", "起算日期与完成日期相同")
        wrong = [x for x in p["sources"] if x not in rec.source_choices]
        if wrong:
            raise MeasureError("sources", f"{p['record']}没有来源“{'、'.join(wrong)}”"
                                          f"（可用：{'、'.join(rec.source_choices)}）")
        return p

    @property
    def spec(self) -> SpanRecord:
        return SPAN_RECORDS[self.p["record"]]

    @property
    def start(self) -> str:
        return self.p["from"] or self.spec.start

    @property
    def end(self) -> str:
        return self.p["to"] or self.spec.end

    def _span(self, a: date, b: date) -> int:
        return working_days(a, b) if self.p["working_days"] else (b - a).days

    def default_word(self, key: str) -> str:
        unit = "个工作日" if self.p["working_days"] else "天"
        rec, days = self.spec, self.p["days"]
        src = "" if not self.p["sources"] or set(self.p["sources"]) == set(rec.source_choices) \
            else "、".join(self.p["sources"])
        ended, began = DATE_VERBS[self.end], DATE_VERBS[self.start]
        counted = (f"统计区间内{ended}" if self.p["by"] == "完成日期" else f"统计区间内{began}")
        return {"definition": f"分子：{counted}、且自{began}起不超过{days}{unit}{ended}的{src}{rec.noun}数；"
                              f"分母：{counted}的{src}{rec.noun}数。"
                if (self.p["by"], self.start, self.end) != ("完成日期", "发现日期", "整改完成日期") else
                f"分子：统计区间内整改完成、且自发现起不超过{days}{unit}的{src}问题数；"
                f"分母：统计区间内整改完成的{src}问题数。",
                "gap_title": f"超过{days}{unit}{ended}的{rec.noun}",
                "gap_issue": f"{rec.unit}{rec.noun}超过{days}{unit}才{ended}",
                "action": f"督促缩短办理时限，{{n}}{rec.unit}超时事项逐一分析原因"}[key]

    def members(self, engine, sel):
        rec, limit = self.spec, self.p["days"]
        start_col, end_col = rec.dates[self.start], rec.dates[self.end]
        lo, hi, as_of = sel.params["from_date"], sel.params["to_date"], sel.params["as_of"]
        unit = "个工作日" if self.p["working_days"] else "天"
        ended = DATE_VERBS[self.end]
        out = []
        for r in self._run(engine, rec.query, sel):
            if self.p["sources"] and r[rec.source_column] not in self.p["sources"]:
                continue
            a, b = r[start_col], r[end_col]
            b = b if b is not None and b <= as_of else None
            if self.p["by"] == "完成日期":
                if b is None or not lo <= b <= hi:
                    continue
            elif a is None or not lo <= a <= hi:
                continue
            base = {**r, "member_label": f"{r[rec.key]}：{r[rec.what]}", "evidence_batch_id": r["batch_id"]}
            if b is None:  # counted by its start, not ended by as_of
                took = self._span(a, as_of)
                out.append({**base, "is_numerator": 0, "evidence_label": f"尚未{ended}（已{took}{unit}）",
                            "evidence_date": None, "reason": f"尚未{ended}（已{took}{unit}）"})
                continue
            took = self._span(a, b)
            out.append({**base, "is_numerator": int(took <= limit), "evidence_label": f"用时{took}{unit}",
                        "evidence_date": b,
                        "evidence_batch_id": r.get("case_batch_id") or r["batch_id"],
                        "reason": None if took <= limit else f"用时{took}{unit}，超过{limit}{unit}"})
        return out


# ------------------------------------------------------------------ graded minimum
def required_count(minimum: int, campaign_start: date, campaign_end: date, as_of: date) -> int:
    """The share of a whole-campaign minimum due by as_of: ceil(m × d / D), d the days from the
    campaign start to as_of and D the campaign's days (both inclusive; d within 0..D)."""
    total = (campaign_end - campaign_start).days + 1
    gone = min(max((as_of - campaign_start).days + 1, 0), total)
    return ceil(minimum * gone / total) if minimum else 0


@measure_kind
class GradedMinimum(Measure):
    """Subjects whose 监督检查 from the campaign start to as_of reach the number their grade
    requires by then (the grade's whole-campaign minimum, pro rata) ÷ subjects of a listed grade."""
    kind, title, pace = "graded_minimum", "按等级频次完成率", LEVEL
    PARAMS = {"record": Param(default="监督检查", choices=("监督检查",), text="哪类记录（监督检查）"),
              "grade": Param(default="风险等级", choices=tuple(GRADE_COLUMNS), text="按哪种等级（风险等级、信用等级）"),
              "minimums": Param(dict, required=True,
                                text="每个等级在整个行动期内至少的次数，如 {A: 1, B: 1, C: 2, D: 3}")}

    def _value(self, key, spec, value):
        if key != "minimums":
            return super()._value(key, spec, value)
        if not isinstance(value, dict) or not value:
            raise MeasureError(key, "须是 等级: 次数 的映射，如 {A: 1, B: 1, C: 2, D: 3}")
        out = {}
        for grade, n in value.items():
            if str(grade) not in GRADES:
                raise MeasureError(key, f"没有等级“{grade}”（可用：{'、'.join(GRADES)}）")
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise MeasureError(key, f"等级{grade}的次数须是非负整数，而不是“{n}”")
            out[str(grade)] = n
        return out

    @property
    def count_key(self):
        return ("graded_minimum_counts_by_unit", "graded_met")

    def count_params(self, params):
        need = {g: self.required(g, params["as_of"]) for g in GRADES}
        return {**self._population_params(), "grade_column": GRADE_COLUMNS[self.p["grade"]],
                **{f"required_{g.lower()}": -1 if n is None else n for g, n in need.items()}}

    def required(self, grade: str | None, as_of: date) -> int | None:
        """The number a subject of the grade must have by as_of; None for a grade not listed."""
        m = self.p["minimums"].get(grade or "")
        return None if m is None else required_count(m, self.conf.start_date, self.conf.end_date, as_of)

    def default_word(self, key: str) -> str:
        pop, g = self.population.name, self.p["grade"]
        mins = "、".join(f"{k}级{v}次" for k, v in self.p["minimums"].items())
        return {
            "definition": f"分子：行动开始至统计日{self.p['record']}次数不少于按{g}应达次数的{pop}数；分母：{g}为"
                          f"{'、'.join(self.p['minimums'])}级的{pop}数。应达次数＝该等级全行动期最少次数（{mins}）"
                          f"×行动开始至统计日天数÷行动总天数，向上取整。",
            "missing": f"{self.p['record']}次数未达到{g}要求",
            "gap_title": f"{self.p['record']}次数未达到{g}要求的{pop}",
            "gap_issue": f"{self.conf.word('subject_unit')}{pop}{self.p['record']}次数未达到{g}要求",
            "action": f"按{g}监管要求，对{{n}}{self.conf.word('subject_unit')}{pop}补足{self.p['record']}频次",
        }[key]

    def members(self, engine, sel):
        as_of, col, g = sel.params["as_of"], GRADE_COLUMNS[self.p["grade"]], self.p["grade"]
        out = []
        for r in self._run(engine, SUBJECTS, sel):
            need = self.required(r[col], as_of)
            if need is None or not self._in_population(r):
                continue
            done = int(r["count_inspections"])
            last = r["last_inspection_no"]
            out.append({**_subject(r), "is_numerator": int(done >= need), "member_label": None,
                        "evidence_label": f"{g}{r[col]}级：{self.p['record']}{done}次，应达{need}次"
                                          + (f"（最近：{last}）" if last else ""),
                        "evidence_date": r["last_inspection_date"],
                        "evidence_batch_id": r["last_inspection_batch_id"],
                        "reason": None if done >= need else
                        f"{g}{r[col]}级：行动以来{self.p['record']}{done}次，截至统计日应不少于{need}次"})
        return out


# ------------------------------------------------------------------ follow-up of flagged subjects
@measure_kind
class Followup(Measure):
    """Subjects flagged in the window (a 不合格 sampling batch, or the N-th problem of the listed
    sources) that had an inspection of the listed types on or after their first flagging date and
    by as_of ÷ flagged subjects."""
    kind, title, pace = "followup", "风险隐患跟进检查率", LEVEL
    PARAMS = {"exclude_sources": Param(list, default=["风险监测"], choices=TASK_SOURCES,
                                       text="不计入的抽检任务来源（默认 风险监测）"),
              "complaint_sources": Param(list, default=["投诉举报"], choices=PROBLEM_SOURCES,
                                         text="计入“问题聚集”的问题来源"),
              "complaints": Param(int, default=3, text="统计区间内发现第几个这类问题时列为风险隐患企业"),
              "inspection_types": Param(list, default=["飞行检查", "交叉检查"], choices=INSPECTION_TYPES,
                                        text="算作跟进的检查类型")}

    def _checked(self, raw):
        p = super()._checked(raw)
        if p["complaints"] < 1:
            raise MeasureError("complaints", "须是正整数")
        return p

    def default_word(self, key: str) -> str:
        pop, n = self.population.name, self.p["complaints"]
        src, kinds = "、".join(self.p["complaint_sources"]), "或".join(self.p["inspection_types"])
        ex = f"（{'、'.join(self.p['exclude_sources'])}不计）" if self.p["exclude_sources"] else ""
        return {
            "definition": f"分子：风险隐患{pop}中，在首次列为风险隐患之日至统计日接受过{kinds}的数；"
                          f"分母：统计区间内有监督抽检不合格批次{ex}或{src}问题达到{n}个的{pop}数（风险隐患{pop}）。",
            "missing": f"列为风险隐患后未接受{kinds}",
            "gap_title": f"未接受{kinds}的风险隐患{pop}",
            "gap_issue": f"{self.conf.word('subject_unit')}风险隐患{pop}尚未接受{kinds}",
            "action": f"对{{n}}{self.conf.word('subject_unit')}风险隐患{pop}组织{kinds}",
        }[key]

    @property
    def count_key(self):
        return ("followup_counts_by_unit", "followed_up")

    def count_params(self, params):
        p = self.p
        return {**self._population_params(), "exclude_sources": list(p["exclude_sources"]),
                "complaint_sources": list(p["complaint_sources"]), "complaints": p["complaints"],
                "inspection_types": list(p["inspection_types"])}

    def _flags(self, engine, sel) -> dict[str, tuple[date, str]]:
        """credit_code → (first flagging date, why) for the subjects flagged in the window."""
        lo, hi = sel.params["from_date"], sel.params["to_date"]
        flags: dict[str, tuple[date, str]] = {}
        # the 不合格 batches alone (sampling_cases.sql: every 不合格 batch sampled by as_of)
        for r in sorted(self._run(engine, "sampling_cases", sel), key=lambda r: (r["sampling_date"], r["sample_no"])):
            if lo <= r["sampling_date"] <= hi and r["task_source"] not in self.p["exclude_sources"]:
                flags.setdefault(r["credit_code"], (r["sampling_date"], f"{r['sample_no']}抽检不合格"))
        found: dict[str, list[dict]] = {}
        for r in sorted(self._run(engine, "problems_listed", sel), key=lambda r: (r["found_date"], r["problem_no"])):
            if r["source"] in self.p["complaint_sources"] and lo <= r["found_date"] <= hi:
                found.setdefault(r["credit_code"], []).append(r)
        n = self.p["complaints"]
        for code, rows in found.items():
            if len(rows) >= n:
                day = rows[n - 1]["found_date"]
                why = f"第{n}个{rows[n - 1]['source']}问题（{rows[n - 1]['problem_no']}）"
                if code not in flags or day < flags[code][0]:
                    flags[code] = (day, why)
        return flags

    def members(self, engine, sel):
        flags = self._flags(engine, sel)
        if not flags:
            return []
        checks: dict[str, list[dict]] = {}
        for r in self._run(engine, "subject_records", sel, record_kind="监督检查", record_name="",
                           record_from_date=sel.params["from_date"], record_to_date=sel.params["as_of"]):
            if r["record_source"] in self.p["inspection_types"]:
                checks.setdefault(r["credit_code"], []).append(r)
        kinds = "或".join(self.p["inspection_types"])
        out = []
        for r in self._run(engine, SUBJECTS, sel):
            if r["credit_code"] not in flags or not self._in_population(r):
                continue
            day, why = flags[r["credit_code"]]
            after = sorted((c for c in checks.get(r["credit_code"], ()) if c["record_date"] >= day),
                           key=lambda c: (c["record_date"], c["evidence_label"]))
            first = after[0] if after else None
            out.append({**_subject(r), "is_numerator": int(first is not None),
                        "member_label": f"{day}因{why}列为风险隐患",
                        "evidence_label": first and first["record_source"] + first["evidence_label"].removeprefix("监督检查"),
                        "evidence_date": first and first["record_date"],
                        "evidence_batch_id": first and first["batch_id"],
                        "reason": None if first else f"{day}因{why}列为风险隐患，此后至统计日未接受{kinds}"})
        return out


# ------------------------------------------------------------------ lookup
def measure_of(conf: CampaignConf, target: TargetConf) -> Measure:
    """The measure object of a configured target; MeasureError for an unknown kind or parameter."""
    cls = MEASURES.get(target.measure)
    if cls is None:
        raise MeasureError("measure", f"没有这个度量“{target.measure}”（可用：{'、'.join(MEASURES)}）")
    return cls(conf, target)


def measures(conf: CampaignConf) -> list[Measure]:
    """The campaign's targets as measures, in its order (built once per campaign object)."""
    cache = conf.extra.setdefault("_measures", {})
    if "all" not in cache:
        cache["all"] = [measure_of(conf, t) for t in conf.targets]
    return cache["all"]


def measure_for(conf: CampaignConf, code: str) -> Measure:
    """The measure of a target code; ValueError for a code the campaign does not configure."""
    found = next((m for m in measures(conf) if m.code == code), None)
    if found is None:
        raise ValueError(f"未知的目标代码：{code}")
    return found


def first_measure(conf: CampaignConf, kind: str, **params) -> Measure | None:
    """The campaign's first target of a kind (and parameters), for the pages about one kind of
    record (监督抽检, 问题整改); None when the campaign has none."""
    return next((m for m in measures(conf) if m.kind == kind
                 and all(m.p.get(k) == v for k, v in params.items())), None)
