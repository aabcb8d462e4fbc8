"""The command line of docs/cli.md: `python -m dashboard COMMAND`."""
from __future__ import annotations

import argparse
import re
import sys
from datetime import date

from sqlalchemy import exc as db_errors

from . import cli
from .campaign import CampaignError

# argparse's own refusals, said in Chinese (its messages are English whatever the locale); the
# option names stay as typed. Python 3.12.8+ lists choices without quotes: both forms are read.
def _names(text: str) -> str:
    """argparse's list of option names or choices ("--phase --month", "'xlsx', 'docx'") joined by 、."""
    return "、".join(n.strip("'\"") for n in re.split(r",? +", text.strip()) if n)


_TYPE_NAMES = {"int": "整数", "float": "数值", "batch_number": "整数", "year": "整数"}

PARSER_MESSAGES = [
    (r"unrecognized arguments: (.*)", r"不认识的参数：\1"),
    (r"argument (\S+): invalid choice: (['\"]?)(.*?)\2 \(choose from (.*)\)",
     lambda m: f"参数 {m[1]} 不能取“{m[3]}”（可用：{_names(m[4])}）"),
    (r"the following arguments are required: (.*)", r"缺少必需的参数：\1"),
    (r"one of the arguments (.*) is required", lambda m: f"须给出以下参数之一：{_names(m[1])}"),
    (r"argument (\S+): not allowed with argument (\S+)", r"参数 \1 不能与 \2 同时使用"),
    (r"argument (\S+): expected one argument", r"参数 \1 后须跟一个值"),
    (r"argument (\S+): expected at least one argument", r"参数 \1 后须跟至少一个值"),
    (r"argument (\S+): expected at most one argument", r"参数 \1 后至多跟一个值"),
    (r"argument (\S+): expected (\d+) arguments?", r"参数 \1 后须跟 \2 个值"),
    (r"argument (\S+): ignored explicit argument (['\"])(.*)\2", r"参数 \1 不接受值“\3”"),
    (r"argument (\S+): invalid (\S+) value: (['\"])(.*)\3",
     lambda m: f"参数 {m[1]} 须是{_TYPE_NAMES.get(m[2], '有效的值')}，收到“{m[4]}”"),
    (r"ambiguous option: (\S+?)(?:=\S*)? could match (.*)", lambda m: f"参数 {m[1]} 有歧义，可能是：{_names(m[2])}"),
    (r"argument (\S+): (.*)", r"参数 \1：\2"),  # a message of our own type functions
]


def chinese(message: str) -> str:
    """An argparse error message in Chinese (unknown ones are kept as they are)."""
    for pattern, text in PARSER_MESSAGES:
        if re.fullmatch(pattern, message, flags=re.S):
            return re.sub(pattern, text, message, count=1, flags=re.S)
    return message


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help with its usage line headed 用法： and its section headings ending in a full-width colon."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)

    def format_help(self) -> str:
        # argparse ends a section heading with an ASCII colon of its own: 选项: → 选项：
        return re.sub(r"^( *)(\S+):$", r"\1\2：", super().format_help(), flags=re.M)


class Parser(argparse.ArgumentParser):
    """argparse with its help and usage errors in Chinese (errors still exit 2); subcommands
    inherit it (add_subparsers makes its parsers of the parent's class)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{"formatter_class": HelpFormatter, **kwargs, "add_help": False})
        self._positionals.title, self._optionals.title = "位置参数", "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示帮助并退出")

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{chinese(message)}\n")


def plain(text: str) -> str:
    """A name, code or word option value: text a database can hold, compared as given. Bytes the
    terminal did not send as UTF-8 (Python's surrogates) or a control character are a usage error,
    not a traceback from the database driver."""
    if any("\ud800" <= ch <= "\udfff" or (ch < " " and ch not in "\t") or ch == "\x7f" for ch in text):
        raise argparse.ArgumentTypeError("含有无法识别的字符（终端不是 UTF-8 编码？）或控制字符")
    return text


def batch_number(text: str) -> int:
    """An upload batch's number: a positive integer the database's integer column can hold."""
    value = int(text)  # a ValueError: argparse's own "须是整数" message
    if not 1 <= value <= 2**31 - 1:
        raise argparse.ArgumentTypeError(f"没有第 {value} 批（批次号为正整数）")
    return value


def year(text: str) -> int:
    """A rating year, as the 星级评比 sheet allows it (2000–2100)."""
    value = int(text)  # a ValueError: argparse's own "须是整数" message
    if not 2000 <= value <= 2100:
        raise argparse.ArgumentTypeError(f"年份须在 2000 到 2100 之间，收到 {value}")
    return value


# the days a window, an as-of day or a done date may name: a records' date is no earlier (the importer
# refuses one), and a window reaching year 10000 was a ValueError traceback in English
FIRST_DAY, LAST_DAY = date(1950, 1, 1), date(2100, 12, 31)


def day(text: str) -> date:
    """A YYYY-MM-DD option value, or any text spelling of a date the workbooks may use (2023/5/31,
    2023.5.31, 2023年5月31日, 20230531)."""
    try:
        found = date.fromisoformat(text.strip())
    except ValueError:
        from .importer.parse import CellError, parse_date  # lazy: the importer's spellings, only when needed
        try:
            found = parse_date(text, {}) if text.strip() else None
        except CellError:
            found = None
    if found is None:
        raise argparse.ArgumentTypeError(f"日期须写成 YYYY-MM-DD（如 2023-05-31），收到“{text}”")
    if not FIRST_DAY <= found <= LAST_DAY:
        raise argparse.ArgumentTypeError(f"日期须在 {FIRST_DAY} 到 {LAST_DAY} 之间，收到“{text}”")
    return found


def month(text: str) -> str:
    """A YYYY-MM option value, kept as text; the workbooks' spellings of a month (2023年5月,
    202305, 2023/05) are read too."""
    found = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?份?|(\d{4})(\d{2})", text.strip())
    year, number = (found[1], found[2]) if found and found[1] else (found[3], found[4]) if found else (0, 0)
    if not found or not 1 <= int(number) <= 12:
        raise argparse.ArgumentTypeError(f"月份须写成 YYYY-MM（如 2023-05），收到“{text}”")
    if not FIRST_DAY.year <= int(year) <= LAST_DAY.year:  # int(): ２０２３ (\d is any digit) as 2023
        raise argparse.ArgumentTypeError(f"月份须在 {FIRST_DAY.year}-01 到 {LAST_DAY.year}-12 之间，收到“{text}”")
    return f"{int(year)}-{int(number):02d}"


def listing_options(cmd: argparse.ArgumentParser) -> None:
    """--unit, one window (--phase, --month or --from/--to), --as-of and --json."""
    cmd.add_argument("--unit", type=plain, metavar="U", help="单位代码或名称（默认：--as 账号的单位，否则全县）")
    window = cmd.add_mutually_exclusive_group()
    window.add_argument("--phase", type=plain, metavar="P", help="阶段名称或序号")
    window.add_argument("--month", type=month, metavar="YYYY-MM", help="一个月")
    window.add_argument("--from", dest="from_date", type=day, metavar="D", help="起始日（与 --to 同时给出）")
    cmd.add_argument("--to", dest="to_date", type=day, metavar="D", help="截止日")
    cmd.add_argument("--as-of", dest="as_of", type=day, metavar="D", help="截至日（默认：窗口的止日，进行中为今天）")
    cmd.add_argument("--json", action="store_true", help="以 JSON 输出")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (also read by the documentation test)."""
    p = Parser(prog="python -m dashboard", description="提升行动督导看板 命令行")
    p.add_argument("--db", metavar="URL", help="数据库 URL（SQLAlchemy 格式），默认 DASHBOARD_DB_URL 或 data/dashboard.sqlite")
    p.add_argument("--as", dest="as_user", type=plain, metavar="USERNAME", help="以该账号的权限范围执行")
    p.add_argument("--campaign", type=plain, metavar="NAME", help="行动配置（campaigns/ 下的文件名），默认 dongtai-2023")
    sub = p.add_subparsers(dest="command", required=True, metavar="命令", help="下列命令之一（其选项：python -m dashboard 命令 -h）")

    sub.add_parser("init-db", help="创建或升级数据库结构")
    demo = sub.add_parser("demo", help="用 sample_data/ 的示例县数据建库")
    demo.add_argument("--force", action="store_true", help="清空已有数据后重建")

    imp = sub.add_parser("import", help="校验并导入月报工作簿")
    imp.add_argument("files", nargs="+", metavar="FILE", help="月报工作簿（.xlsx）")
    imp.add_argument("--dry-run", action="store_true", help="只校验，不写入")
    imp.add_argument("--json", action="store_true", help="以 JSON 输出")
    imp.add_argument("--uploader", type=plain, default=None, help="上报人（默认：--as 账号或 cli）")

    rb = sub.add_parser("rollback", help="撤销一次已提交的上报")
    rb.add_argument("batch_id", type=batch_number, help="上报批次号")

    sub.add_parser("rebuild-rollups", help="由记录表重算全部汇总表（抽检、自查按企业×月）")

    # the listing commands share targets' options: a unit, one window, as-of, --json
    listings = sub.add_parser("targets", help="目标完成情况"), \
        sub.add_parser("cases", help="严打：立案查处的违法案件（按单位、违法类型）"), \
        sub.add_parser("stars", help="星级评比：各单位各星级企业数与示范企业"), \
        sub.add_parser("tasks", help="工作任务台账（行动工作任务与各单位上报的工作任务，逾期在前）")
    for cmd in listings:
        listing_options(cmd)
    listings[0].add_argument("--by-unit", action="store_true", help="同时列出所选单位的每个直属下级单位")
    listings[2].add_argument("--year", type=year, help="评比年度（默认：截至日所在年度）")

    wi = sub.add_parser("work-item", help="标记行动工作任务的完成情况（办公室）")
    wi.add_argument("code", type=plain, metavar="CODE", help="行动配置中的工作任务代码（如 p1_meeting）")
    wi.add_argument("--status", required=True, choices=("未开始", "进行中", "已完成"), help="完成情况")
    wi.add_argument("--done-date", dest="done_date", type=day, metavar="D", help="完成日期（已完成时默认为今天）")
    wi.add_argument("--note", type=plain, help="备注")

    ex = sub.add_parser("export", help="导出阶段性总结")
    exw = ex.add_mutually_exclusive_group(required=True)
    exw.add_argument("--phase", type=plain, metavar="P", help="阶段名称或序号")
    exw.add_argument("--month", type=month, metavar="YYYY-MM", help="月份（月度总结）")
    ex.add_argument("--unit", type=plain, metavar="U", help="单位代码或名称（默认：--as 账号的单位，否则全县）")
    ex.add_argument("--format", required=True, choices=("xlsx", "docx", "pdf"), help="文件格式")
    ex.add_argument("--out", required=True, metavar="FILE", help="写入的文件（必要时创建目录）")

    user = sub.add_parser("user", help="管理本地账号（新建、改密码、停用、列出）")
    us = user.add_subparsers(dest="user_command", required=True, metavar="命令", help="下列命令之一")
    add = us.add_parser("add", help="新建账号")
    add.add_argument("username", type=plain, metavar="USERNAME", help="用户名")
    add.add_argument("--role", required=True, choices=("admin", "leader", "chief", "clerk"), help="角色")
    add.add_argument("--unit", type=plain, help="所属单位代码或名称（分局长、填报员必填；默认本局）")
    add.add_argument("--name", type=plain, help="显示名称")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入的第一行读取密码")
    pw = us.add_parser("passwd", help="修改密码（该账号已登录的会话全部失效）")
    pw.add_argument("username", type=plain, metavar="USERNAME", help="用户名")
    pw.add_argument("--password-stdin", action="store_true", help="从标准输入的第一行读取密码")
    dis = us.add_parser("disable", help="停用账号（立即退出其所有会话）")
    dis.add_argument("username", type=plain, metavar="USERNAME", help="用户名")
    ls = us.add_parser("list", help="列出账号")
    ls.add_argument("--json", action="store_true", help="以 JSON 输出")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code of cli.md (2 for bad usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in ("targets", "cases", "stars", "tasks") and bool(args.from_date) != bool(args.to_date):
        parser.error("--from 与 --to 须同时给出")
    handler = getattr(cli, "cmd_" + args.command.replace("-", "_"))
    try:
        cli.production_gate(args)
        return handler(args)
    except cli.UsageError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except CampaignError as exc:  # a wrong campaign file: its line and key, no traceback
        print(f"行动配置有误：{exc}", file=sys.stderr)
        return 2
    except PermissionError as exc:
        print(f"权限不足：{exc}", file=sys.stderr)
        return 1
    except (db_errors.OperationalError, db_errors.InterfaceError) as exc:  # unreachable or unusable database
        print(f"数据库无法使用（--db 或环境变量 DASHBOARD_DB_URL）：{getattr(exc, 'orig', None) or exc}",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
