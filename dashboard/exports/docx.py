"""The stage summary as a Word briefing (python-docx), laid out as a bureau writes one (GB/T 9704
style): A4, title in 方正小标宋简体, first-level headings in 黑体, run-in second-level headings in
楷体_GB2312, body in 仿宋_GB2312 三号 at a fixed 28-point line, tables and charts with captions,
page numbers "— 1 —" in the footer.

Fonts are set for East-Asian text through w:eastAsia (python-docx only sets w:ascii); each official
font is declared in the font table with a common substitute (w:altName: 仿宋, 楷体, 黑体) so a
machine without the GB2312 fonts falls back to the nearest one. The text comes from
`narrative.briefing`, the charts from `exports.chart_images` (the pages' Altair charts as PNG).
"""
from __future__ import annotations

import io
import re

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ..labels import FIGURE_STATUS_COLOURS, STATUS_FILLS, STATUS_UNMET
from . import chart_images
from .blocks import Chart, Heading, Para, Table
from .narrative import briefing
from .summary import StageSummary

BODY, TITLE, HEI, KAI, SONG = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"
LATIN = "Times New Roman"
# Official font → the substitute Word / LibreOffice should take when it is missing (font table).
# The family (roman = serif, swiss = sans) lets a converter without the font pick the nearest
# installed CJK face (e.g. Noto Serif CJK SC for 仿宋, Noto Sans CJK SC for 黑体).
SUBSTITUTES = {BODY: ("仿宋", "roman"), TITLE: ("宋体", "roman"), KAI: ("楷体", "roman"),
               HEI: ("SimHei", "swiss"), "仿宋": ("FangSong", "roman"), "楷体": ("KaiTi", "roman"),
               SONG: ("SimSun", "roman")}
BODY_SIZE, TITLE_SIZE, LINE = Pt(16), Pt(22), Pt(28)
CONTENT_WIDTH_CM = 21.0 - 2.8 - 2.6
# Characters XML 1.0 cannot hold (C0 controls but tab, newline and carriage return; U+FFFE/U+FFFF;
# lone surrogates): an uploaded text may carry them (the importer keeps a cell's text as typed), and
# lxml refuses the whole briefing on the first one. They are dropped from the briefing's text.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text) -> str:
    """The text as Word can store it: characters XML 1.0 cannot hold removed."""
    return XML_ILLEGAL.sub("", "" if text is None else str(text))


ALIGN = {"justify": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
         "right": WD_ALIGN_PARAGRAPH.RIGHT, "left": WD_ALIGN_PARAGRAPH.LEFT}


# ------------------------------------------------------------------ fonts
def set_font(target, east_asia: str, latin: str = LATIN, size=None, bold: bool | None = None,
             colour: str | None = None) -> None:
    """Set a run's or a style's fonts: w:eastAsia for Chinese (and theme fonts removed so they
    cannot override it), w:ascii/w:hAnsi for Latin text and digits."""
    font = target.font
    font.name = latin
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    if colour:
        font.color.rgb = RGBColor.from_string(colour.lstrip("#").upper())
    _fonts_on(target.element.get_or_add_rPr(), east_asia, latin)


def _fonts_on(rpr, east_asia: str, latin: str) -> None:
    """w:rFonts (theme fonts removed) and w:lang (Chinese for East-Asian text) on an rPr."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _style_font(style, east_asia: str, size, *, bold=False, colour="000000") -> None:
    style.font.name = LATIN
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor.from_string(colour)
    _fonts_on(style.element.get_or_add_rPr(), east_asia, LATIN)


def _declare_substitutes(doc) -> None:
    """Add each official font to word/fontTable.xml with its w:altName substitute."""
    part = next((p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"), None)
    if part is None:
        return
    xml = part.blob.decode("utf-8")
    entries = "".join(
        f'<w:font w:name="{name}"><w:altName w:val="{alt}"/>'
        f'<w:charset w:val="86"/><w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>'
        for name, (alt, family) in SUBSTITUTES.items() if f'w:name="{name}"' not in xml)
    xml = re.sub(r"</w:fonts>\s*$", entries + "</w:fonts>", xml)
    part._blob = xml.encode("utf-8")


def _setup(doc, s: StageSummary) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.footer_distance = Cm(2.0)
    styles = doc.styles
    normal = styles["Normal"]
    _style_font(normal, BODY, BODY_SIZE)
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = LINE
    pf.space_before = pf.space_after = Pt(0)
    _style_font(styles["Title"], TITLE, TITLE_SIZE)
    title_pf = styles["Title"].paragraph_format
    title_pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    title_pf.line_spacing = Pt(36)
    title_pf.space_before, title_pf.space_after = Pt(0), Pt(12)
    _no_border(styles["Title"])
    h1 = styles["Heading 1"]
    _style_font(h1, HEI, BODY_SIZE)
    h1.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    h1.paragraph_format.line_spacing = LINE
    h1.paragraph_format.space_before = h1.paragraph_format.space_after = Pt(0)
    h1.paragraph_format.first_line_indent = Pt(32)
    h1.paragraph_format.keep_with_next = True
    _declare_substitutes(doc)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = xml_text(s.title), xml_text(s.unit_name), xml_text(s.unit_name)
    props.subject, props.comments = "阶段工作总结", "由提升行动督导看板根据上报数据生成"
    props.created = props.modified = s.generated_at
    props.revision = 1
    _page_numbers(section)


def _no_border(style) -> None:
    ppr = style.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)


def _page_numbers(section) -> None:
    """Footer: — PAGE — centred, 宋体 四号."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE

    def run(text=None):
        r = p.add_run(text or "")
        set_font(r, SONG, SONG, size=Pt(14))
        return r

    run("— ")
    for kind, instr in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        r = run()
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            r._r.append(fld)
        elif instr == "1":
            r.text = "1"
        else:
            it = OxmlElement("w:instrText")
            it.set(qn("xml:space"), "preserve")
            it.text = instr
            r._r.append(it)
    run(" —")


# ------------------------------------------------------------------ blocks
def _heading(doc, b: Heading) -> None:
    if b.level == 0:
        p = doc.add_paragraph(style="Title")
        for i, line in enumerate(b.text.split("\n")):  # the title's two lines, one paragraph
            run = p.add_run()
            if i:
                run.add_break()
            run.add_text(xml_text(line))
            set_font(run, TITLE, TITLE, size=TITLE_SIZE)
    else:
        p = doc.add_paragraph(style="Heading 1")
        set_font(p.add_run(xml_text(b.text)), HEI, HEI, size=BODY_SIZE, colour="000000")


def _para(doc, b: Para) -> None:
    p = doc.add_paragraph()
    p.alignment = ALIGN[b.align]
    if b.indent:
        p.paragraph_format.first_line_indent = Pt(32)
    if b.style == "subtitle":
        set_font(p.add_run(xml_text(b.text)), KAI, LATIN, size=BODY_SIZE)
        p.paragraph_format.space_after = Pt(12)
        return
    if b.style == "note":
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        p.paragraph_format.space_before = Pt(18)
        set_font(p.add_run(xml_text(b.text)), BODY, LATIN, size=Pt(10.5))
        return
    if b.style == "signature":
        p.paragraph_format.right_indent = Pt(32)
    if b.lead:
        set_font(p.add_run(xml_text(b.lead)), KAI, LATIN, size=BODY_SIZE)
    if b.text:
        set_font(p.add_run(xml_text(b.text)), BODY, LATIN, size=BODY_SIZE)


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill.lstrip("#").upper())
    tcpr.append(shd)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _keep_rows_whole(table) -> None:
    """No row split across a page break (a work item's three lines stay together)."""
    for row in table.rows:
        el = OxmlElement("w:cantSplit")
        el.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(el)


def _cell_text(cell, text: str, *, size: float, bold=False, centre=True, colour=None, east=BODY,
               stacked=False) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER if centre else WD_ALIGN_PARAGRAPH.LEFT
    head, bracket, tail = xml_text(text).partition("（") if stacked else (xml_text(text), "", "")
    run = p.add_run(head)
    if bracket:  # 66.6% over （4/6）: a line break of its own, not wherever the column runs out
        run.add_break()
        run.add_text(bracket + tail)
    set_font(run, east, LATIN, size=Pt(size), bold=bold, colour=colour)


def _caption(doc, text: str, *, before: bool) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    p.paragraph_format.space_before = Pt(8 if before else 2)
    p.paragraph_format.space_after = Pt(4 if before else 10)
    p.paragraph_format.keep_with_next = before
    set_font(p.add_run(xml_text(text)), HEI, LATIN, size=Pt(12))


CELL_MARGIN_TWIPS = 40  # left and right padding of table cells (Word's default is 108)


def _narrow_margins():
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    return margins


def _table(doc, b: Table) -> None:
    _caption(doc, b.caption, before=True)
    table = doc.add_table(rows=1 + len(b.rows), cols=len(b.header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    table._tbl.tblPr.append(_narrow_margins())  # "100.0%" stays on one line in a 1.3 cm column
    weights = b.widths or [1.0] * len(b.header)
    widths = [Cm(CONTENT_WIDTH_CM * w / sum(weights)) for w in weights]
    for col, width in enumerate(widths):
        table.columns[col].width = width
    for r, values in enumerate([b.header, *b.rows]):
        row = table.rows[r]
        for c, text in enumerate(values):
            cell = row.cells[c]
            cell.width = widths[c]
            cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
            if r == 0:
                _cell_text(cell, text, size=b.font_size, east=HEI)
                _shade(cell, "#E8EAF6")
            elif b.status_col == c and text == STATUS_UNMET:
                _cell_text(cell, text, size=b.font_size, colour=FIGURE_STATUS_COLOURS[STATUS_UNMET])
                _shade(cell, STATUS_FILLS[STATUS_UNMET])
            else:
                _cell_text(cell, text, size=b.font_size, centre=c not in b.left_cols, stacked=b.stacked)
    _repeat_header(table.rows[0])
    _keep_rows_whole(table)
    spacer = doc.add_paragraph()
    spacer.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    spacer.paragraph_format.space_after = Pt(4)
    if b.note:  # the line under the table (尚无评比记录（无数据）…), in the table's size
        spacer.paragraph_format.space_before = Pt(2)
        set_font(spacer.add_run(xml_text(b.note)), BODY, LATIN, size=Pt(b.font_size))


def _chart(doc, s: StageSummary, b: Chart, with_charts: bool) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    p.paragraph_format.keep_with_next = True
    p.paragraph_format.space_before = Pt(8)
    png, why = None, ""
    if with_charts:
        try:
            png = chart_images.chart_png(s, b.key)
        except chart_images.ChartUnavailable:
            why = "本机未安装 vl-convert-python"
        except ValueError as exc:  # the renderer refused the spec: the briefing is written all the same
            why = f"图表渲染失败：{str(exc).splitlines()[-1][:80]}"
    if png:
        p.add_run().add_picture(io.BytesIO(png), width=Cm(CONTENT_WIDTH_CM))
    elif with_charts:
        set_font(p.add_run(f"（图表未生成：{why}）"), BODY, LATIN, size=Pt(10.5))
    _caption(doc, b.caption, before=False)


def build_docx(s: StageSummary, *, with_charts: bool = True) -> bytes:
    """The briefing's bytes."""
    doc = Document()
    _setup(doc, s)
    body = doc.element.body
    for p in list(doc.paragraphs):  # the template's empty first paragraph
        body.remove(p._p)
    for b in briefing(s):
        if isinstance(b, Heading):
            _heading(doc, b)
        elif isinstance(b, Para):
            _para(doc, b)
        elif isinstance(b, Table):
            _table(doc, b)
        elif isinstance(b, Chart):
            _chart(doc, s, b, with_charts)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
