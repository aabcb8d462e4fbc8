"""Command handlers behind `python -m dashboard`: thin wrappers over the same functions the pages use."""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from .access import Viewer, resolve_unit, system_viewer
from .campaign import (Window, campaign_window, load_campaign, month_window, phase_window,
                       sync_campaign)
from .db import get_engine, upgrade


class UsageError(Exception):
    """Bad arguments: exit code 2."""


def _engine(args):
    return get_engine(args.db)


def _ready_engine(args):
    """The engine with the schema at the newest version and the campaign configured."""
    engine = _engine(args)
    upgrade(engine)
    sync_campaign(engine, load_campaign(args.campaign))
    return engine


def _viewer(args, engine) -> Viewer:
    if not args.as_user:
        return system_viewer(engine, load_campaign(args.campaign).root.code)
    from . import access
    lookup = getattr(access, "viewer_for_username", None)
    if lookup is None:
        raise UsageError("账号功能尚未启用，不能使用 --as")
    return lookup(engine, args.as_user)


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=None, default=str))


def cmd_init_db(args) -> int:
    _ready_engine(args)
    print("数据库已就绪（结构为最新版本）")
    return 0


def cmd_demo(args) -> int:
    from .demo import build_demo
    engine = _engine(args)
    summary = build_demo(engine, load_campaign(args.campaign), force=args.force)
    print(summary)
    return 0


def cmd_import(args) -> int:
    from .importer.load import import_workbook
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        raise UsageError("找不到文件：" + "、".join(missing))
    engine = _ready_engine(args)
    viewer = _viewer(args, engine)
    uploader = args.uploader or (args.as_user or "cli")
    results = [import_workbook(engine, path, uploader=uploader, dry_run=args.dry_run, viewer=viewer)
               for path in args.files]
    if args.json:
        objs = [r.to_json() for r in results]
        _print_json(objs[0] if len(objs) == 1 else objs)
    else:
        for r in results:
            print(r.to_text())
    return 1 if any(r.status == "rejected" for r in results) else 0


def cmd_rollback(args) -> int:
    from .importer.load import RollbackError, rollback_batch
    engine = _ready_engine(args)
    try:
        rollback_batch(engine, args.batch_id, by=args.as_user or "cli")
    except RollbackError as exc:
        print(f"撤销失败：{exc}", file=sys.stderr)
        return 1
    print(f"已撤销第 {args.batch_id} 批上报")
    return 0


def window_from_args(conf, args) -> Window:
    """--phase, --month or --from/--to; the campaign to date when none is given."""
    try:
        if getattr(args, "phase", None):
            return phase_window(conf, args.phase)
        if getattr(args, "month", None):
            return month_window(args.month)
    except (KeyError, ValueError) as exc:
        raise UsageError(str(exc).strip("'\"")) from exc
    if getattr(args, "from_date", None):
        if args.from_date > args.to_date:
            raise UsageError("--from 不能晚于 --to")
        return Window(args.from_date, args.to_date, f"{args.from_date}至{args.to_date}")
    return campaign_window(conf)


def cmd_targets(args) -> int:
    from .targets import compute_targets, format_table
    engine = _ready_engine(args)
    conf = load_campaign(args.campaign)
    window = window_from_args(conf, args)
    try:
        unit = resolve_unit(engine, args.unit or conf.root.code)
    except LookupError as exc:
        raise UsageError(str(exc)) from exc
    figures = compute_targets(engine, conf, _viewer(args, engine), unit=unit, window=window,
                              as_of=args.as_of, by_unit=args.by_unit)
    if args.json:
        _print_json([f.to_json() for f in figures])
    else:
        print(format_table(figures))
    return 0


def cmd_export(args) -> int:
    raise UsageError("阶段性总结导出尚未实现（见议题 5）")
