"""Small workbooks for importer tests, laid out as county clerks lay them out."""
from __future__ import annotations

import io
import zipfile
from datetime import date
from xml.sax.saxutils import escape

from dashboard.credit import make_credit_code
from dashboard.workbook import SheetData, write_workbook


def code(n: int) -> str:
    """A valid 统一社会信用代码, distinct per n."""
    return make_credit_code(f"91320981{n:09d}")


UNITS = ["城区分局", "开发区分局", "安丰分局"]

ENTERPRISE_HEADERS = ["统一社会信用代码", "企业名称", "所属分局", "食品生产许可证编号", "是否规上企业",
                      "风险等级", "信用等级", "产品类别", "包保干部", "企业状态", "地址"]


def enterprise_row(n: int, unit: str = "城区分局", **over) -> list:
    row = {"统一社会信用代码": code(n), "企业名称": f"东台市第{n}肉制品有限公司", "所属分局": unit,
           "食品生产许可证编号": f"SC{10432098100000 + n}", "是否规上企业": "是", "风险等级": "B",
           "信用等级": "A", "产品类别": "酱卤肉制品", "包保干部": "王明", "企业状态": "在产",
           "地址": f"东台镇{n}号"}
    row.update(over)
    return [row[h] for h in ENTERPRISE_HEADERS]


# other sheets' headers, as their templates write them (the tests' workbooks)
SELF_HEADERS = ["统一社会信用代码", "自查日期", "自查项目数", "发现问题数", "是否提交自查报告"]
SUPPLIER_HEADERS = ["统一社会信用代码", "评价日期", "评价供应商数", "不合格供应商数"]
EXAM_HEADERS = ["统一社会信用代码", "姓名", "岗位", "考试日期", "成绩", "是否合格"]
VISIT_HEADERS = ["统一社会信用代码", "督导日期", "包保干部", "干部层级", "发现问题数"]
PROBLEM_HEADERS = ["问题编号", "统一社会信用代码", "问题来源", "来源编号", "问题描述", "发现日期", "整改期限",
                   "整改完成日期", "复查结论"]

SAMPLING_HEADERS = ["抽样单编号", "统一社会信用代码", "食品名称", "食品类别", "生产日期/批号", "抽样日期",
                    "任务来源", "检验项目类别", "检验结论", "不合格项目", "检验机构", "核查处置状态"]


def sampling_row(no: str, n: int = 1, **over) -> list:
    row = {"抽样单编号": no, "统一社会信用代码": code(n), "食品名称": "酱牛肉", "食品类别": "肉制品",
           "生产日期/批号": "2023-05-01", "抽样日期": date(2023, 5, 8), "任务来源": "县抽",
           "检验项目类别": "食品添加剂", "检验结论": "合格", "不合格项目": None,
           "检验机构": "盐城市检验检测中心", "核查处置状态": None}
    row.update(over)
    return [row[h] for h in SAMPLING_HEADERS]


def sheet(name: str, headers: list[str], rows: list[list], **kw) -> SheetData:
    return SheetData(headers=headers, rows=rows, name=name, **kw)


def registry(*ns: int, unit: str = "城区分局", **kw) -> SheetData:
    return sheet("企业名录", ENTERPRISE_HEADERS, [enterprise_row(n, unit) for n in ns], **kw)


def sampling(rows: list[list], name: str = "监督抽检", **kw) -> SheetData:
    return sheet(name, SAMPLING_HEADERS, rows, **kw)


def xlsx(*sheets: SheetData) -> bytes:
    buf = io.BytesIO()
    write_workbook(buf, list(sheets))
    return buf.getvalue()


# ------------------------------------------------------------------ raw OOXML, for hostile files
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_QUOTE = {'"': "&quot;"}


def raw_xlsx(sheets: dict[str, str], *, dimension: dict[str, str] | None = None,
             after: dict[str, str] | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """An .xlsx written by hand: sheet name -> the XML inside <sheetData> (rows and cells exactly as
    given: any reference, any order, no `r` at all), with an optional <dimension ref> and XML after
    </sheetData> (such as <mergeCells>) per sheet."""
    names = list(sheets)
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
        'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType='
        '"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/officeDocument"'
                       ' Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>' + "".join(
            f'<sheet name="{escape(n, _QUOTE)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1))
        + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PKG}">' + "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)) + "</Relationships>",
    }
    for i, (name, body) in enumerate(sheets.items(), 1):
        dim = (dimension or {}).get(name)
        head = f'<dimension ref="{dim}"/>' if dim else ""
        tail = (after or {}).get(name, "")
        parts[f"xl/worksheets/sheet{i}.xml"] = (f'<worksheet xmlns="{_NS}">{head}<sheetData>{body}</sheetData>'
                                                f"{tail}</worksheet>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in {**parts, **(extra or {})}.items():
            zf.writestr(name, content.encode() if isinstance(content, str) else content)
    return buf.getvalue()


def inline_cell(ref: str | None, text: str) -> str:
    """A text cell as Excel's inline string (`ref` None: no `r`, placed after the previous cell)."""
    r = f' r="{ref}"' if ref else ""
    return f'<c{r} t="inlineStr"><is><t>{escape(text)}</t></is></c>'
