"""A campaign file checked before it is used: every mapping of the YAML remembers the line of each
key, so a wrong file is refused with the file, the line and the key (docs/campaigns.md lists the
messages), never with a traceback in the middle of a page."""
from __future__ import annotations

import hashlib
from datetime import date

import yaml

from .labels import HAZARD_CLASSES
from .models import Campaign, OrgUnit, Phase, Target, WorkItemStatus
from .subjects import subjects

TOP_KEYS = {"code": True, "name": True, "start_date": True, "end_date": True, "org_units": True,
            "phases": True, "targets": True, "short_name": False, "year": False, "on_time_day": False,
            "populations": False, "wording": False, "sample": False, "leadership": False,
            "departments": False, "strike": False}
SAMPLE_KEYS = {"workbooks": True, "generator": True, "missing": False}
PHASE_KEYS = {"name": True, "start_date": True, "end_date": True, "work_items": False}
UNIT_KEYS = {"code": True, "name": True, "short_name": False, "children": False}
POPULATION_KEYS = {"code": True, "name": True, "label": False, "subject_types": False,
                   "statuses": False, "large_only": False}
TARGET_KEYS = {"code": True, "name": True, "measure": True, "threshold": True, "short_name": False,
               "wording": False, "owner": False}  # anything else is a parameter of the measure
WORK_ITEM_KEYS = {"code": True, "text": True, "owner": False, "deadline": False}
STRIKE_KEYS = {"case_due_days": False, "hazard_classes": False, "failed_item_words": False}
# The plan's §三(二)3 (the Dongtai file's values): a 不合格 batch testing 非食用物质, or naming 病死 in
# its 不合格项目, must have a case within 30 days of sampling. A file without strike: gets these.
DEFAULT_STRIKE = {"case_due_days": 30, "hazard_classes": ["非食用物质"], "failed_item_words": {"病死": "病死畜禽"}}
LEADER_KEYS = {"role": True, "name": True, "post": True, "department": False}
LEADER_ROLES = ("组长", "副组长", "成员")
UNASSIGNED = "未指定"  # the owner of a target or work item the file names none for
WORDING_KEYS = ("scope", "children", "child", "units", "subject", "subject_unit")
TARGET_WORDING_KEYS = ("definition", "missing", "held", "gap_title", "gap_issue", "action")


class CampaignError(ValueError):
    """A campaign file that cannot be used; the message names the file, line and key."""


class Mapping(dict):
    """A YAML mapping that knows its own line and the line of each of its keys."""
    line: int = 0
    lines: dict


class _Loader(yaml.SafeLoader):
    pass


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's parser (about 5× faster; the page caches parse every campaign file once per data
    version for the campaign switch), building the same Mappings with the same lines."""


def _mapping(loader: _Loader, node) -> Mapping:
    loader.flatten_mapping(node)
    m = Mapping(loader.construct_pairs(node, deep=True))
    m.line = node.start_mark.line + 1
    m.lines = {k.value: k.start_mark.line + 1 for k, _ in node.value}
    return m


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_FastLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml(text: str, source: str = "行动配置") -> Mapping:
    """The file's top mapping; a YAML syntax error names its line."""
    try:
        data = yaml.load(text, Loader=_FastLoader)  # noqa: S506 (a CSafeLoader subclass)
    except yaml.YAMLError:
        data = None
    if data is None:  # parsed again for the pure-Python parser's wording of the error
        try:
            data = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
        except yaml.MarkedYAMLError as e:
            line = e.problem_mark.line + 1 if e.problem_mark else "?"
            raise CampaignError(f"{source} 第{line}行：YAML 格式错误（{e.problem}）") from None
    if not isinstance(data, dict):
        raise CampaignError(f"{source}：文件内容须是键值映射（code: …、name: …）")
    return data


def line_of(m, key: str | None = None) -> int | str:
    """The line of a key of a mapping (of the mapping itself without a key); ? when unknown."""
    lines = getattr(m, "lines", {})
    return lines.get(key) or getattr(m, "line", 0) or "?"


def refuse(source: str, m, key: str | None, reason: str):
    """Raise the error for `key` of mapping `m`."""
    where = f"第{line_of(m, key)}行"
    raise CampaignError(f"{source} {where}" + (f"，键“{key}”" if key else "") + f"：{reason}")


def _keys(source: str, m, allowed: dict, what: str, *, extra_ok: bool = False) -> None:
    if not isinstance(m, dict):
        raise CampaignError(f"{source} 第{getattr(m, 'line', '?')}行：{what}须是键值映射")
    for key, required in allowed.items():
        if required and m.get(key) in (None, ""):
            refuse(source, m, None, f"{what}缺少必填键“{key}”")
    if not extra_ok:
        for key in m:
            if key not in allowed:
                refuse(source, m, key, f"{what}不认识这个键（可用：{'、'.join(allowed)}）")


def _fits(source: str, m, key: str, column) -> None:
    """A text the database keeps in `column` (a model's column) no longer than it holds: PostgreSQL
    refuses a longer one when the campaign is written, SQLite would keep it."""
    value = m.get(key)
    limit = column.type.length
    if value is not None and len(str(value)) > limit:
        refuse(source, m, key, f"不能超过 {limit} 个字符（现为 {len(str(value))} 个）")


def _date(source: str, m, key: str) -> None:
    if not isinstance(m[key], date):
        refuse(source, m, key, f"须是日期（如 2023-03-01），而不是“{m[key]}”")


def _span(source: str, m, what: str) -> None:
    _date(source, m, "start_date")
    _date(source, m, "end_date")
    if m["end_date"] < m["start_date"]:
        refuse(source, m, "end_date", f"{what}的结束日期早于开始日期")


def _units(source: str, m, seen: set, names: dict) -> None:
    """Every unit a mapping with a code and a name, each unique in the tree (names are unique in the
    database too: a page or a workbook may name a unit instead of giving its code)."""
    _keys(source, m, UNIT_KEYS, "单位")
    for key, column in (("code", OrgUnit.code), ("name", OrgUnit.name), ("short_name", OrgUnit.short_name)):
        _fits(source, m, key, column)
    code, name = str(m["code"]), str(m["name"])
    if code in seen:
        refuse(source, m, "code", f"单位代码“{code}”重复")
    seen.add(code)
    if name in names:
        refuse(source, m, "name", f"单位名称“{name}”重复（单位“{names[name]}”已用此名称）")
    names[name] = code
    for child in m.get("children") or ():
        _units(source, child, seen, names)


def _phase_dates(source: str, data) -> None:
    """The phases lie within the campaign, in the order of the file, without overlapping. A gap
    between two phases is allowed: an implementation plan may leave a pause between its stages
    (a 中期评估, the Spring Festival); its days still count in the campaign to date and in months."""
    def span(m) -> str:
        return f"“{m['name']}”（{m['start_date']} 至 {m['end_date']}）"
    whole = f"行动期间（{data['start_date']} 至 {data['end_date']}）"
    previous = None
    for p in data["phases"]:
        if p["start_date"] < data["start_date"]:
            refuse(source, p, "start_date", f"阶段{span(p)}早于{whole}开始：各阶段须在行动期间之内")
        if p["end_date"] > data["end_date"]:
            refuse(source, p, "end_date", f"阶段{span(p)}晚于{whole}结束：各阶段须在行动期间之内")
        if previous is not None and p["start_date"] <= previous["end_date"]:
            how = "早于" if p["end_date"] < previous["start_date"] else "与"
            tail = "" if how == "早于" else "重叠"
            refuse(source, p, "start_date", f"阶段{span(p)}{how}上一阶段{span(previous)}{tail}：各阶段须按时间先后"
                   f"排列、互不重叠，本阶段须在 {previous['end_date']} 之后开始")
        previous = p


def work_item_code(seq: int, text: str) -> str:
    """The stable code of a work item written as a plain string (older files): its phase and a
    digest of its text, so the office's status stays with the item whatever its position."""
    return f"p{seq}_" + hashlib.sha1(str(text).encode("utf-8")).hexdigest()[:8]


def _departments(source: str, data) -> list[str]:
    """The 责任科室 list (departments:); [] when the file has none."""
    deps = data.get("departments")
    if deps is None:
        return []
    if not isinstance(deps, list) or not all(isinstance(d, str) and d.strip() for d in deps):
        refuse(source, data, "departments", "须是科室名称的列表，如 [办公室, 食品安全监管科]")
    if len(set(deps)) != len(deps):
        refuse(source, data, "departments", "科室名称重复")
    return deps


def _owner(source: str, m, key: str, departments: list[str]) -> None:
    """An owner (责任科室) must be one of departments:."""
    owner = m.get(key)
    if owner is None:
        return
    if owner not in departments:
        known = "、".join(departments) if departments else "departments 尚未列出任何科室"
        refuse(source, m, key, f"没有这个责任科室“{owner}”（{known}）")


def _leadership(source: str, data, departments: list[str]) -> None:
    """组长, 副组长, 成员: each with a name and a post; a member's department among departments:."""
    group = data.get("leadership")
    if group is None:
        return
    if not isinstance(group, list) or not group:
        refuse(source, data, "leadership", "须是领导小组成员的列表（role、name、post）")
    for person in group:
        _keys(source, person, LEADER_KEYS, "领导小组成员")
        if person["role"] not in LEADER_ROLES:
            refuse(source, person, "role", f"须是 {'、'.join(LEADER_ROLES)} 之一，而不是“{person['role']}”")
        _owner(source, person, "department", departments)
    if not any(p["role"] == "组长" for p in group):
        refuse(source, data, "leadership", "领导小组须有一名组长")


def _work_items(source: str, p, seq: int, departments: list[str], codes: set) -> None:
    items = p.get("work_items") or []
    if not isinstance(items, list):
        refuse(source, p, "work_items", "须是工作任务的列表")
    for item in items:
        if isinstance(item, str):
            code = work_item_code(seq, item)
        else:
            _keys(source, item, WORK_ITEM_KEYS, "工作任务")
            _fits(source, item, "code", WorkItemStatus.item_code)
            code = str(item["code"])
            _owner(source, item, "owner", departments)
            if item.get("deadline") is not None and not isinstance(item["deadline"], date):
                refuse(source, item, "deadline", f"须是日期（如 2023-04-30），而不是“{item['deadline']}”")
        if code in codes:
            refuse(source, item if isinstance(item, dict) else p, "code" if isinstance(item, dict) else "work_items",
                   f"工作任务代码“{code}”重复")
        codes.add(code)


def _strike(source: str, data) -> None:
    """strike: the days a serious 不合格 batch may wait for its case, and what makes a batch serious."""
    s = data.get("strike")
    if s is None:
        return
    _keys(source, s, STRIKE_KEYS, "严打设置")
    days = s.get("case_due_days", DEFAULT_STRIKE["case_due_days"])
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        refuse(source, s, "case_due_days", f"须是 1 到 365 之间的整数（抽样后的天数），而不是“{days}”")
    classes = s.get("hazard_classes", DEFAULT_STRIKE["hazard_classes"])
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        refuse(source, s, "hazard_classes", "须是检验项目类别的列表，如 [非食用物质]")
    for c in classes:
        if c not in HAZARD_CLASSES:
            refuse(source, s, "hazard_classes", f"没有这个检验项目类别“{c}”（可用：{'、'.join(HAZARD_CLASSES)}）")
    words = s.get("failed_item_words", DEFAULT_STRIKE["failed_item_words"])
    if not isinstance(words, dict) or not all(isinstance(k, str) and k.strip() and isinstance(v, str) and v.strip()
                                              for k, v in words.items()):
        refuse(source, s, "failed_item_words", "须是“不合格项目中的词: 原因说法”的映射，如 {病死: 病死畜禽}")
    if not classes and not words:
        refuse(source, data, "strike", "严打设置的 hazard_classes 与 failed_item_words 不能都为空（否则没有批次算作严重）")


def check_campaign(data, source: str = "行动配置") -> None:
    """Structure, keys, dates, unique codes; the measures' own parameters are checked when they
    are built (dashboard.figures.measures)."""
    _keys(source, data, TOP_KEYS, "行动配置")
    _fits(source, data, "code", Campaign.code)
    _fits(source, data, "name", Campaign.name)
    _span(source, data, "行动")
    _units(source, data["org_units"], set(), {})
    departments = _departments(source, data)
    _leadership(source, data, departments)
    if not isinstance(data["phases"], list):
        refuse(source, data, "phases", "须是阶段列表")
    item_codes: set = set()
    for seq, p in enumerate(data["phases"], 1):
        _keys(source, p, PHASE_KEYS, "阶段")
        _fits(source, p, "name", Phase.name)
        _span(source, p, "阶段")
        _work_items(source, p, seq, departments, item_codes)
    _phase_dates(source, data)
    _strike(source, data)
    pops = data.get("populations") or []
    known_types = subjects().types
    for p in pops:
        _keys(source, p, POPULATION_KEYS, "对象范围")
        for kind in p.get("subject_types") or ():
            if kind not in known_types:
                refuse(source, p, "subject_types",
                       f"没有这个主体类型“{kind}”（config/subjects.yaml 中有：{'、'.join(known_types)}）")
    if data.get("sample") is not None:
        _keys(source, data["sample"], SAMPLE_KEYS, "示例数据")
        for key in ("workbooks", "generator"):
            if str(data["sample"][key]).startswith(("/", "..")) or ".." in str(data["sample"][key]):
                refuse(source, data["sample"], key, "须是仓库内的相对路径")
    wording = data.get("wording") or {}
    for key in wording:
        if key not in WORDING_KEYS:
            refuse(source, wording, key, f"不认识的措辞键（可用：{'、'.join(WORDING_KEYS)}）")
    if not isinstance(data["targets"], list) or not data["targets"]:
        refuse(source, data, "targets", "须是至少一项目标的列表")
    codes = set()
    for t in data["targets"]:
        _keys(source, t, TARGET_KEYS, "目标", extra_ok=True)
        _fits(source, t, "code", Target.code)
        _fits(source, t, "name", Target.name)
        if t["code"] in codes:
            refuse(source, t, "code", f"目标代码“{t['code']}”重复")
        codes.add(t["code"])
        if not isinstance(t["threshold"], (int, float)) or not 0 < t["threshold"] <= 1:
            refuse(source, t, "threshold", "须是 0 到 1 之间的小数（1.0 = 100%）")
        for key in t.get("wording") or {}:
            if key not in TARGET_WORDING_KEYS:
                refuse(source, t["wording"], key,
                       f"不认识的措辞键（可用：{'、'.join(TARGET_WORDING_KEYS)}）")
        if t.get("population") is not None and t["population"] not in {p["code"] for p in pops}:
            refuse(source, t, "population", f"没有这个对象范围“{t['population']}”（见 populations）")
        _owner(source, t, "owner", departments)


def target_conf(t: dict):
    """A TargetConf from a checked target mapping."""
    from .campaign import TargetConf  # a real cycle: campaign.py runs these checks at load
    params = {k: v for k, v in t.items() if k not in TARGET_KEYS}
    return TargetConf(str(t["code"]), t["name"], float(t["threshold"]), t["measure"], params,
                      t.get("short_name"), dict(t.get("wording") or {}), line_of(t),
                      t.get("owner") or UNASSIGNED)


def work_item_conf(item, seq: int, phase_end: date):
    """A WorkItem from a checked work item (a mapping, or a plain string of an older file)."""
    from .campaign import WorkItem  # a real cycle, as above
    if isinstance(item, str):
        return WorkItem(work_item_code(seq, item), item, UNASSIGNED, phase_end, seq)
    return WorkItem(str(item["code"]), item["text"], item.get("owner") or UNASSIGNED,
                    item.get("deadline") or phase_end, seq)


def strike_conf(data: dict):
    """The StrikeConf of a checked file (DEFAULT_STRIKE for what it leaves out)."""
    from .campaign import StrikeConf  # a real cycle, as above
    s = {**DEFAULT_STRIKE, **(data.get("strike") or {})}
    return StrikeConf(int(s["case_due_days"]), tuple(s["hazard_classes"]),
                      tuple((str(k), str(v)) for k, v in s["failed_item_words"].items()))


def leader_conf(p: dict):
    """A LeaderConf from a checked leadership entry."""
    from .campaign import LeaderConf  # a real cycle, as above
    return LeaderConf(p["role"], str(p["name"]), p["post"], p.get("department"))


def population_conf(p: dict):
    """A PopulationConf from a checked population mapping."""
    from .campaign import PopulationConf  # a real cycle, as above
    return PopulationConf(str(p["code"]), p["name"], p.get("label") or p["name"],
                          tuple(p.get("subject_types") or ()), tuple(p.get("statuses") or ("在产",)),
                          bool(p.get("large_only")))
