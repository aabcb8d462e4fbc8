"""Command handlers behind `python -m dashboard`: thin wrappers over the same functions the pages use.

Every change of state is an action (dashboard.actions) called with the command's viewer: the --as
account, else the local operator (`cli`, full rights: whoever runs the command line can already
read the database), so each is permission-checked and audited like the same change on a page."""
from __future__ import annotations

import errno
import getpass
import json
import math
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from . import auth
from .access import MANAGE_ACCOUNTS, ROLES, Viewer, require, resolve_unit, system_viewer, viewer_for_username
from .campaign import campaign_window, load_campaign, phase_window, prepare
from .db import database_url, get_engine, sqlite_file, upgrade
from .figures import star_ratings, strikes
from .figures.selection import select
from .figures.targets import _pad, _width, compute_targets, format_table
from .figures.work_ledger import format_ledger, work_ledger
from .periods import Window, month_window


class UsageError(Exception):
    """Bad arguments: exit code 2."""


CREATES_DATABASE = ("init-db", "demo")  # every other command refuses a SQLite file that is not there


def _engine(args):
    """The engine of --db; a URL that names no usable database is bad usage (exit 2), and so is a
    SQLite file that does not exist for a command that does not create one (a mistyped --db would
    otherwise leave an empty database behind and answer from it)."""
    path = sqlite_file(database_url(args.db))
    if path and args.command not in CREATES_DATABASE and not path.exists():
        raise UsageError(f"数据库文件不存在：{path}；先运行 init-db 或 demo")
    try:
        return get_engine(args.db)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:  # malformed URL, unknown dialect or driver
        raise UsageError(f"数据库地址不可用（--db 或环境变量 DASHBOARD_DB_URL）：{exc}") from exc
    except OSError as exc:  # the SQLite file or its folder cannot be created
        raise UsageError(f"无法创建数据库文件：{exc.filename or args.db}（{exc.strerror}）") from exc


def _ready_engine(args):
    """The engine with the schema at the newest version and the campaign configured."""
    engine = _engine(args)
    prepare(engine, load_campaign(args.campaign))
    return engine


def _viewer(args, engine) -> Viewer:
    if not args.as_user:
        return system_viewer(engine, load_campaign(args.campaign).root.code, name="cli")
    try:
        return viewer_for_username(engine, args.as_user)
    except LookupError as exc:
        raise UsageError(str(exc)) from exc


def _actions():
    """dashboard.actions, loaded by the commands that change state only: it brings the importer
    (pandas, pandera) and the exports, seconds that `targets` need not wait for."""
    from . import actions  # lazy: see the docstring
    return actions


def _maintainer(args):
    """The engine and viewer of init-db and demo: an --as account is checked before anything is
    written (the operator's database is made ready first: its viewer is the campaign's root)."""
    engine = _engine(args) if args.as_user else _ready_engine(args)
    return engine, _viewer(args, engine)


def production_gate(args) -> None:
    """DASHBOARD_MODE=production: refuse every command but `user` (which is how demo passwords get
    changed) and `init-db` while a demo account keeps its demo password (UsageError, exit 2)."""
    if not auth.is_production() or args.command in ("user", "init-db"):
        return
    engine = _engine(args)
    upgrade(engine)
    try:
        auth.check_production(engine)
    except auth.ProductionRefusal as exc:
        raise UsageError(str(exc)) from exc


def finite(obj):
    """obj with every float that is not finite (a fine summed past 1.8e308) as None, in lists and
    dicts too: JSON has no Infinity or NaN, and a table shows such a value empty."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    return obj


def _print_json(obj) -> None:
    # allow_nan=False: a value finite() missed is an error, never invalid JSON on stdout
    print(json.dumps(finite(obj), ensure_ascii=False, indent=None, default=str, allow_nan=False))


def _yuan(amount) -> str:
    """An amount in 元 with two decimals; empty when it is not a finite number."""
    return "" if finite(amount) is None else f"{amount:.2f}"


def cmd_init_db(args) -> int:
    engine, viewer = _maintainer(args)
    _actions().init_database(engine, viewer, load_campaign(args.campaign), via="cli")
    print("数据库已就绪（结构为最新版本）")
    return 0


def cmd_demo(args) -> int:
    engine, viewer = _maintainer(args)
    print(_actions().rebuild_demo(engine, viewer, load_campaign(args.campaign), force=args.force, via="cli"))
    return 0


def cmd_import(args) -> int:
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        raise UsageError("找不到文件：" + "、".join(missing))
    engine = _ready_engine(args)
    viewer = _viewer(args, engine)
    results = [_actions().upload(engine, viewer, path, uploader=args.uploader, dry_run=args.dry_run, via="cli")
               for path in args.files]
    if args.json:
        objs = [r.to_json() for r in results]
        _print_json(objs[0] if len(objs) == 1 else objs)
    else:
        for r in results:
            print(r.to_text())
    return 1 if any(r.status == "rejected" for r in results) else 0


def cmd_rollback(args) -> int:
    from .importer.load import RollbackError  # lazy: the importer loads pandas and pandera
    engine = _ready_engine(args)
    try:
        _actions().roll_back(engine, _viewer(args, engine), args.batch_id, via="cli")
    except RollbackError as exc:
        print(f"撤销失败：{exc}", file=sys.stderr)
        return 1
    print(f"已撤销第 {args.batch_id} 批上报")
    return 0


def window_from_args(conf, args) -> Window:
    """--phase, --month or --from/--to; the campaign to date when none is given. An --as-of before
    the window's first day is bad usage: nothing of the window has happened by then, so every
    figure would read 0 (0.0%, 未达标) as if the work had been done and failed."""
    window = _window_of(conf, args)
    as_of = getattr(args, "as_of", None)
    if as_of is not None and as_of < window.start_date:
        raise UsageError(f"--as-of {as_of} 早于统计窗口“{window.label}”（{window.start_date} 至 {window.end_date}）"
                         f"的起始日：截至日须不早于 {window.start_date}")
    return window


def _window_of(conf, args) -> Window:
    try:
        if getattr(args, "phase", None):
            return phase_window(conf, args.phase.strip())
        if getattr(args, "month", None):
            return month_window(args.month)
    except (KeyError, ValueError) as exc:
        raise UsageError(str(exc).strip("'\"")) from exc
    if getattr(args, "from_date", None):
        if args.from_date > args.to_date:
            raise UsageError("--from 不能晚于 --to")
        return Window(args.from_date, args.to_date, f"{args.from_date}至{args.to_date}")
    return campaign_window(conf)


def cmd_rebuild_rollups(args) -> int:
    engine = _ready_engine(args)
    counts = _actions().recompute_rollups(engine, _viewer(args, engine), via="cli")
    print("汇总表已重算：" + "，".join(f"{name} {n} 行" for name, n in counts.items()))
    return 0


def cmd_targets(args) -> int:
    engine, sel = _listing_args(args)
    figures = compute_targets(engine, sel, by_unit=args.by_unit)
    if args.json:
        _print_json([f.to_json() for f in figures])
    else:
        print(format_table(figures))
    return 0


def _listing_args(args):
    """The engine and the Selection of `targets`, `cases`, `stars` and `tasks`: the unit (default:
    the viewer's own, the root for the command line without --as), the window and the as-of date."""
    engine = _ready_engine(args)
    conf = load_campaign(args.campaign)
    window = window_from_args(conf, args)
    viewer = _viewer(args, engine)
    try:
        unit = resolve_unit(engine, args.unit or viewer.scope_unit_id)
    except LookupError as exc:
        raise UsageError(str(exc)) from exc
    return engine, select(engine, conf, viewer, unit=unit, window=window, as_of=args.as_of)


def text_table(headers: list[str], rows: list[list]) -> str:
    """Rows under headers, columns padded to their CJK display width (the targets table's rule)."""
    cells = [headers, *[["" if v is None else str(v) for v in r] for r in rows]]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(_pad(c, w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "-" * max(_width(line) for line in lines))
    return "\n".join(lines)


def cmd_cases(args) -> int:
    """严打: the cases filed in the window (dashboard.figures.strikes), and the serious 不合格
    batches with no case the campaign's strike.case_due_days after sampling as of the as-of date."""
    engine, sel = _listing_args(args)
    p = strikes.panel(engine, sel)
    unfiled = strikes.unfiled_samples(engine, sel)
    total = p["total"]
    if args.json:
        keys = ("count_cases", "amount_fines", "count_transferred", "count_linked")
        _print_json({
            "unit": p["unit_code"], "unit_name": p["unit_name"], "from": p["from_date"].isoformat(),
            "to": p["to_date"].isoformat(), "as_of": p["as_of"].isoformat(), **{k: total[k] for k in keys},
            "by_type": [{"violation_type": r["violation_type"], **{k: r[k] for k in keys[:3]}} for r in p["by_type"]],
            "by_unit": [{"unit": r["unit_code"], "unit_name": r["unit_name"], **{k: r[k] for k in keys}}
                        for r in p["by_unit"]],
            "cases": [{"case_no": c["case_no"], "credit_code": c["credit_code"], "name": c["name"],
                       "unit": c["unit_code"], "filed_date": c["filed_date"].isoformat(),
                       "violation_type": c["violation_type"], "fine_amount": c["fine_amount"],
                       "is_transferred_police": bool(c["is_transferred_police"]), "source_no": c["source_no"],
                       "source_kind": c["source_kind"]} for c in p["cases"]],
            "unfiled": [{"sample_no": r["sample_no"], "credit_code": r["credit_code"], "name": r["name"],
                         "unit": r["unit_code"], "sampling_date": r["sampling_date"].isoformat(),
                         "case_due_date": r["case_due_date"].isoformat(), "reason": r["reason"]} for r in unfiled]})
        return 0
    print(f"统计区间：{p['from_date']} 至 {p['to_date']}（截至 {p['as_of']}）　{p['unit_name']}立案 {total['count_cases']} 件，"
          f"罚没 {_yuan(total['amount_fines']) or '—'} 元，移送公安 {total['transferred_text']} 件，来源可追溯 {total['linked_text']} 件")
    print(text_table(["单位", "案件数", "罚没金额（元）", "移送公安", "来源可追溯"],
                     [[r["unit_name"], r["count_cases"], _yuan(r["amount_fines"]), r["count_transferred"],
                       r["count_linked"]] for r in p["by_unit"]]))
    print()
    print(text_table(["违法类型", "案件数", "罚没金额（元）", "移送公安"],
                     [[r["violation_type"], r["count_cases"], _yuan(r["amount_fines"]), r["count_transferred"]]
                      for r in p["by_type"]]) if p["by_type"] else "（窗口内没有立案的案件）")
    print()
    rule = sel.conf.strike
    print(f"不合格（{rule.label}）满{rule.case_due_days}日未立案：{len(unfiled)} 批")
    if unfiled:
        print(text_table(["单位", "企业名称", "抽样单编号", "抽样日期", "应立案期限", "原因"],
                         [[r["unit_name"], r["name"], r["sample_no"], r["sampling_date"], r["case_due_date"], r["reason"]]
                          for r in unfiled]))
    return 0


def cmd_stars(args) -> int:
    """星级评比 of a year (default: the as-of date's year) per unit, and the 示范企业."""
    engine, sel = _listing_args(args)
    year = args.year or sel.as_of.year
    t = star_ratings.star_table(engine, sel, year=year)
    keys = ("count_star1", "count_star2", "count_star3", "count_unrated", "count_total", "count_model")
    if args.json:
        _print_json({"unit": t["unit_code"], "unit_name": t["unit_name"], "year": year,
                     "by_unit": [{"unit": r["unit_code"], "unit_name": r["unit_name"], **{k: r[k] for k in keys}}
                                 for r in t["by_unit"]],
                     "models": [{"credit_code": m["credit_code"], "name": m["name"], "unit": m["unit_code"],
                                 "unit_name": m["unit_name"], "previous_score": m["previous_score"],
                                 "score": m["score"]} for m in t["models"]]})
        return 0
    print(f"{year}年度星级评比　{t['unit_name']}")
    print(text_table(["单位", *star_ratings.STARS, "合计", "示范企业"],
                     [[r["unit_name"], *[r[k] for k in keys]] for r in t["by_unit"]]))
    print()
    print(f"示范企业（{year - 1}、{year}年度连续三星级）：{len(t['models'])} 家")
    if t["models"]:
        print(text_table(["单位", "企业名称", "统一社会信用代码", f"{year - 1}年得分", f"{year}年得分"],
                         [[m["unit_name"], m["name"], m["credit_code"], m["previous_score"], m["score"]]
                          for m in t["models"]]))
    return 0


def cmd_tasks(args) -> int:
    """工作任务台账 of a unit (default: the viewer's) on the window's as_of (or --as-of)."""
    engine, sel = _listing_args(args)
    ledger = work_ledger(engine, sel)
    if args.json:
        _print_json(ledger.to_json())
    else:
        print(format_ledger(ledger))
    return 0


def cmd_work_item(args) -> int:
    """The office's status of one of the campaign's work items (exit 1: no permission or a wrong code)."""
    engine = _ready_engine(args)
    conf = load_campaign(args.campaign)
    actions = _actions()
    try:
        row = actions.mark_work_item(engine, _viewer(args, engine), conf, args.code, args.status,
                                     done_date=args.done_date, note=args.note, via="cli")
    except actions.WorkItemError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(f"已标记工作任务 {row['item_code']}：{row['status']}"
          + (f"（完成日期 {row['done_date']}）" if row["done_date"] else ""))
    return 0


class ExportNotWritten(Exception):
    """The export's file could not be written (its OSError's reason, in Chinese, as the message)."""


# An OSError's reason in Chinese (the system's own text is English); others keep the system's text.
WRITE_ERRORS = {errno.ENOENT: "路径不存在", errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限",
                errno.EISDIR: "这是一个目录，不是文件", errno.ENOTDIR: "路径中有一段是文件，不是目录",
                errno.EEXIST: "路径中有一段是文件，不是目录", errno.ENOSPC: "磁盘空间不足",
                errno.EROFS: "文件系统只读", errno.ENAMETOOLONG: "文件名过长"}


def _write_export(out: Path, data: bytes) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise ExportNotWritten(WRITE_ERRORS.get(exc.errno) or f"系统错误（{exc.strerror or exc}）") from exc


def _check_out(out: str, fmt: str) -> None:
    """--out names a file whose extension, if it is one of the export formats', is --format's: an
    Excel workbook written as x.pdf would not open."""
    if not out.strip():
        raise UsageError("--out 须给出要写入的文件名")
    suffix = Path(out).suffix.lower()
    if suffix in {f".{f}" for f in ("xlsx", "docx", "pdf")} and suffix != f".{fmt}":
        raise UsageError(f"--out 的扩展名“{Path(out).suffix}”与 --format {fmt} 不符（应为 .{fmt}）")


def cmd_export(args) -> int:
    """The stage summary of a phase or a month for a unit, as xlsx, docx or pdf (exit 0 written,
    1 when the PDF cannot be made here or the unit lies outside the --as account's scope, 2 bad usage)."""
    from .exports.pdf import available as pdf_available  # lazy: dashboard.exports loads the figures and writers
    _check_out(args.out, args.format)
    engine = _ready_engine(args)
    conf = load_campaign(args.campaign)
    viewer = _viewer(args, engine)
    if args.format == "pdf" and not pdf_available():
        from .exports.pdf import MISSING_MESSAGE  # lazy, as above
        print(f"错误：{MISSING_MESSAGE}", file=sys.stderr)
        return 1
    unit = None
    if args.unit:
        try:
            unit = resolve_unit(engine, args.unit)
        except LookupError as exc:
            raise UsageError(str(exc)) from exc
    started, out = time.perf_counter(), Path(args.out)
    try:  # the file is written inside the action, before its audit row: a failed write leaves no row
        made = _actions().export(engine, viewer, conf, formats=(args.format,), phase=args.phase and args.phase.strip(),
                                 month=args.month, unit=unit,
                                 deliver=lambda made: _write_export(out, made.files[args.format]), via="cli")
    except KeyError as exc:
        raise UsageError(str(exc).strip("'\"")) from exc
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    except ExportNotWritten as exc:
        print(f"错误：无法写入 {out}：{exc}", file=sys.stderr)
        return 1
    if args.format in made.problems:
        print(f"错误：{made.problems[args.format]}", file=sys.stderr)
        return 1
    print(f"已导出：{out}（{made.summary.unit_name}，{made.summary.window.label}，{args.format}，"
          f"{len(made.files[args.format]) // 1024} KB，用时 {time.perf_counter() - started:.1f} 秒）")
    return 0


# ------------------------------------------------------------------ accounts (python -m dashboard user …)
def _password(args, prompt: str = "新密码：") -> str:
    """The password from stdin's first line (--password-stdin), else typed twice at the terminal."""
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    first = getpass.getpass(prompt)
    if first != getpass.getpass("再输入一次：") or not first:
        raise UsageError("两次输入的密码不一致")
    return first


def cmd_user(args) -> int:
    engine = _ready_engine(args)
    viewer = _viewer(args, engine)
    require(viewer, MANAGE_ACCOUNTS)  # before a password is asked for; each change checks again
    try:
        if args.user_command == "add":
            acc = _actions().add_account(engine, viewer, args.username, _password(args), args.role, args.unit,
                                      display_name=args.name, via="cli")
            print(f"已新建账号 {acc.username}（{ROLES[acc.role].label}）")
        elif args.user_command == "passwd":
            if auth.get_account(engine, args.username) is None:
                raise auth.AccountError(f"没有这个账号：{args.username}")
            _actions().change_password(engine, viewer, args.username, _password(args), via="cli")
            print(f"已修改账号 {args.username} 的密码（该账号已登录的会话全部失效）")
        elif args.user_command == "disable":
            _actions().disable_account(engine, viewer, args.username, via="cli")
            print(f"已停用账号 {args.username}")
        elif args.user_command == "list":
            rows = auth.list_accounts(engine)
            if args.json:
                _print_json(rows)
            for r in rows if not args.json else []:
                state = "启用" if r["is_active"] else "停用"
                print(f"{r['username']}\t{ROLES[r['role']].label}\t{r['unit_name']}\t{state}")
    except auth.AccountError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    return 0
