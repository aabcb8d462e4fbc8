"""Nothing uploaded or typed ever becomes markup (issue 11, findings 1 and 5): the two escapes of
dashboard.ui.widgets with attack payloads, and the Word, Excel and PDF exports of a county whose
every free-text value is hostile (tests/hostile.py), which hold the payloads only as literal text.
The pages themselves are driven in Chromium by tests/test_browser_markup.py."""
from __future__ import annotations

import io
import re
import subprocess
import zipfile
from datetime import date
from html.parser import HTMLParser

import pandas as pd
import pytest
from docx import Document
from openpyxl import load_workbook

from dashboard.access import system_viewer
from dashboard.campaign import load_campaign
from dashboard.db import get_engine
from dashboard.exports import build_summary, pdf, render
from dashboard.ui.widgets import WORD_JOINER as W
from dashboard.ui.widgets import PRINT_ROWS, html_text, md, print_twin

from tests.hostile import EVIL, FORMULA, LINK, PAYLOADS, hostile_county_url

ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


# ------------------------------------------------------------------ the escapes
@pytest.mark.parametrize("value, expected", [
    (LINK, rf"\[请重新登录\]\(https\:{W}\/\/evil\.example\/login\)"),
    ('<img src=x onerror="top.__pwned=1">', r"\<img src\=x onerror\=\"top\.\_\_pwned\=1\"\>"),
    ("<script>alert(1)</script>", r"\<script\>alert\(1\)\<\/script\>"),
    ("![](https://evil.example/p.png)", rf"\!\[\]\(https\:{W}\/\/evil\.example\/p\.png\)"),
    # GFM autolinks are found in the parsed text, escapes or not: a word joiner breaks them
    ("https://evil.example/a", rf"https\:{W}\/\/evil\.example\/a"),
    ("WWW.evil.example", rf"WWW{W}\.evil\.example"),
    ("x@evil.example", rf"x\@{W}evil\.example"),
    (":red[红字] :material/warning: :smile:", rf"\:{W}red\[红字\] \:{W}material\/warning\:{W} \:{W}smile\:{W}"),
    ("$x^2$ &lt; &#60;", r"\$x\^2\$ \&lt\; \&\#60\;"),                # formulas, entities
    ("1. 列表\n\n# 标题\r\n> 引用", r"1\. 列表 \# 标题 \> 引用"),           # no block of its own
    ("东台市安丰分局　王明", "东台市安丰分局　王明"),                             # Chinese untouched
    ("ＡＢＣ（全角）＜ｉｍｇ＞", "ＡＢＣ（全角）＜ｉｍｇ＞"),                          # not Markdown syntax
    (12, "12"),
])
def test_md_escapes_every_markdown_and_html_construct(value, expected):
    assert md(value) == expected


@pytest.mark.parametrize("payload", [*PAYLOADS, FORMULA, ASCII_PUNCTUATION, "a\\b", "`` ` ``", "<!-- x -->"])
def test_md_leaves_no_punctuation_unescaped_and_loses_nothing(payload):
    out = md(payload)
    # every ASCII punctuation character is preceded by a backslash that is not itself escaped
    assert re.fullmatch(r"(?:[^!-/:-@\[-`{-~]|\\[!-/:-@\[-`{-~])*", out), out
    assert not re.search(r"(?i)https?:/|www\.|@\w", out.replace("\\", ""))  # no autolink left
    # what CommonMark shows (escapes resolved) is the payload, give or take invisible word joiners
    assert re.sub(r"\\(.)", r"\1", out).replace(W, "") == payload


@pytest.mark.parametrize("value, expected", [
    ('<img src=x onerror="top.__pwned=1">', "&lt;img src=x onerror=&quot;top.__pwned=1&quot;&gt;"),
    ("<script>'x' & y</script>", "&lt;script&gt;&#x27;x&#x27; &amp; y&lt;/script&gt;"),
    ("a\n\n[请重新登录](https://evil.example/login)", "a [请重新登录](https://evil.example/login)"),
    ("东台市第1肉制品有限公司", "东台市第1肉制品有限公司"),
])
def test_html_text_escapes_tags_quotes_and_keeps_the_html_block_whole(value, expected):
    # a blank line would end the <div> block and let the rest be read as Markdown
    assert html_text(value) == expected


class _Cells(HTMLParser):
    """The tags and the cell texts of a table's markup (entities resolved, as a browser reads them)."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.cells, self.text, self.open = [], [], [], False
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("td", "th"):
            self.cells.append("")
            self.open = True

    def handle_endtag(self, tag):
        self.open = self.open and tag not in ("td", "th")

    def handle_data(self, data):
        self.text.append(data)
        if self.open:
            self.cells[-1] += data


def test_print_twin_holds_the_payloads_only_as_cell_text():
    frame = pd.DataFrame({"企业名称": [*PAYLOADS, FORMULA], "不合格项目": [LINK] * (len(PAYLOADS) + 1)})
    twin = _Cells(print_twin(frame))
    assert set(twin.tags) == {"div", "table", "thead", "tr", "th", "tbody", "td"}  # no tag of the data's
    assert twin.cells == ["企业名称", "不合格项目"] + [v for p in [*PAYLOADS, FORMULA] for v in (p, LINK)]


def test_print_twin_prints_the_first_rows_with_the_true_count():
    frame = pd.DataFrame({"问题编号": [f"P{i:03d}" for i in range(PRINT_ROWS + 23)],
                          "超期天数": [float(i) for i in range(PRINT_ROWS + 22)] + [None],
                          "罚没金额（元）": [2.5] * (PRINT_ROWS + 23)})
    twin = _Cells(print_twin(frame))
    assert twin.tags.count("tr") == 1 + PRINT_ROWS
    assert twin.cells[3:6] == ["P000", "0", "2.5"]  # a whole float without ".0"
    assert twin.cells[-3:] == [f"P{PRINT_ROWS - 1:03d}", str(PRINT_ROWS - 1), "2.5"]
    assert f"打印件列出前 {PRINT_ROWS} 行（共 {PRINT_ROWS + 23} 行）" in "".join(twin.text)
    short = _Cells(print_twin(frame.tail(2)))
    assert short.cells[3:] == [f"P{PRINT_ROWS + 21:03d}", str(PRINT_ROWS + 21), "2.5",
                               f"P{PRINT_ROWS + 22:03d}", "", "2.5"]  # a gap prints empty
    assert "打印件" not in "".join(short.text)


# ------------------------------------------------------------------ the exports
@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """The hostile county's phase-2 summary as a workbook and a briefing."""
    engine = get_engine(hostile_county_url(tmp_path_factory))
    s = build_summary(engine, load_campaign(), system_viewer(engine), phase=2, as_of=date(2023, 8, 31))
    return {"summary": s, "xlsx": render(s, "xlsx"), "docx": render(s, "docx")}


@pytest.mark.slow  # builds the hostile county (108 workbooks) and renders the exports
def test_briefing_holds_the_payloads_only_as_text(exports):
    data = exports["docx"]
    doc = Document(io.BytesIO(data))
    body = "\n".join([p.text for p in doc.paragraphs] +
                     [c.text for t in doc.tables for row in t.rows for c in row.cells])
    assert EVIL in body and "<script>" in body and "<img src=x" in body  # quoted literally
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith((".xml", ".rels"))}
    everything = "".join(xml.values())
    assert "<w:hyperlink" not in everything and "w:fldSimple" not in everything and "altChunk" not in everything
    assert "External" not in everything  # no relationship points outside the file
    fields = re.findall(r"<w:instrText[^>]*>([^<]*)</w:instrText>", everything)
    assert set(fields) <= {" PAGE "}  # the footer's page number is the only field
    assert "<script" not in xml["word/document.xml"] and "&lt;script&gt;" in xml["word/document.xml"]


@pytest.mark.slow  # builds the hostile county (108 workbooks) and renders the exports
def test_workbook_holds_the_payloads_only_as_text(exports):
    data = exports["xlsx"]
    wb = load_workbook(io.BytesIO(data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert any(EVIL in t for t in texts) and any("<img src=x" in t for t in texts)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [c.coordinate for c in cells if c.hyperlink is not None] == []
    assert any(t.startswith("'" + FORMULA) for t in texts)  # the formula payload came out neutralised
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        assert not any(re.search(rb"<f[ >]", z.read(n)) for n in names if n.startswith("xl/worksheets/"))
        assert not any(b"External" in z.read(n) for n in names if n.endswith(".rels"))


@pytest.mark.slow  # builds the hostile county (108 workbooks) and renders the exports
def test_pdf_holds_the_payloads_only_as_text(exports, tmp_path):
    if not pdf.available():
        pytest.skip("LibreOffice is not installed")
    data = render(exports["summary"], "pdf", docx=exports["docx"])
    assert b"/URI" not in data and b"/JavaScript" not in data and b"/Launch" not in data
    (tmp_path / "b.pdf").write_bytes(data)
    body = subprocess.run(["pdftotext", str(tmp_path / "b.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert EVIL in re.sub(r"\s+", "", body)
