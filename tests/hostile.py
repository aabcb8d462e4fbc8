"""A hostile sample county: the sample county's workbooks with HTML, Markdown-link, script and
formula payloads in every free-text value (enterprise names, 包保干部, addresses, food names, lab
names, problem descriptions, record numbers…), imported through the real importer under a hostile
file name and uploader name. Shared by the markup tests; no tests of its own.

`injected(page)` lists what a payload managed to become in a browser page: an element it injected,
a link or image to evil.example, or a side effect of its script (window.__pwned, document.title).
"""
from __future__ import annotations

import tempfile
import zlib
from pathlib import Path

from dashboard import actions
from dashboard.access import Viewer, resolve_unit, system_viewer
from dashboard.auth import ensure_demo_accounts
from dashboard.campaign import load_campaign, prepare
from dashboard.db import get_engine
from dashboard.demo import sample_generator
from dashboard.importer import import_workbook
from dashboard.importer.schemas import SHEET_BY_NAME
from dashboard.models import Base

EVIL = "evil.example"
LINK = f"[请重新登录](https://{EVIL}/login)"
PAYLOADS = (  # each sets top.__pwned or points at evil.example if it ever becomes markup
    '<img src=x onerror="top.__pwned=1">',
    LINK,
    "<script>top.__pwned=2</script>",
    '<iframe srcdoc="<script>parent.__pwned=3;parent.document.title=\'PWNED\'</script>"></iframe>',
    f"![](https://{EVIL}/p.png)",
    f"<a href=https://{EVIL}>点此</a>",
    f"https://{EVIL}/a",
    "<svg onload=top.__pwned=4>",
    "**粗体** `代码` :red[红字] $x^2$",
)
FORMULA = f'=HYPERLINK("https://{EVIL}/x","请重新登录")'  # formula injection in the spreadsheet exports
FILE_PREFIX = '<img src=x onerror="top.__pwned=5">[请重新登录](https:evil.example)'
UPLOADER = '<img src=x onerror="top.__pwned=6">[请重新登录](https://evil.example/u)'
SKIP = {"unit", "license_no"}  # text fields the contract checks against a list or a pattern


def poison(value: str, limit: int) -> str:
    """`value` followed by as many payloads as fit in `limit` characters (starting at one chosen by
    the value, so equal values stay equal and references still match); every third value that is
    not too short for it also starts with a spreadsheet formula."""
    h = zlib.crc32(value.encode())
    if (h >> 8) % 3 == 0 and len(FORMULA) + len(value) < limit // 2:
        value = FORMULA + value
    for i in range(len(PAYLOADS)):
        p = PAYLOADS[(h + i) % len(PAYLOADS)]
        if len(value) + len(p) > limit:
            break
        value += p
    return value


def _text_fields() -> dict[str, dict[str, int]]:
    """sheet → {free-text field: its column's length in the database}."""
    out = {}
    for sheet, model in SHEET_BY_NAME.items():
        columns = Base.metadata.tables[model.table()].columns
        out[sheet] = {f: columns[f].type.length or 400 for f, m in model.fields().items()
                      if m["kind"] == "text" and f not in SKIP and not m["reference"]}  # reference: not stored
    return out


def build_hostile_county(engine) -> int:
    """Migrate, configure and fill `engine` with the hostile county (and the demo accounts);
    returns how many workbooks were imported."""
    gen, fields = sample_generator(), _text_fields()
    prepare(engine, load_campaign())
    county = gen.build_county()
    for sheets in county.book.values():
        for sheet, rows in sheets.items():
            for row in rows:
                for f, limit in fields[sheet].items():
                    if isinstance(row.get(f), str):
                        row[f] = poison(row[f], limit)
    viewer = system_viewer(engine)
    with tempfile.TemporaryDirectory() as tmp:
        paths = [(gen.write_unit_month(Path(tmp), county, unit, month), month, unit[0])
                 for month in gen.MONTHS for unit in county.units]
        for path, month, unit in paths:
            result = import_workbook(engine, path, viewer=viewer, uploader=UPLOADER, file_name=FILE_PREFIX + path.name,
                                     uploaded_at=gen.upload_time(month, unit))
            assert result.status == "imported", result.to_text()
    ensure_demo_accounts(engine)
    _mark_work_items(engine)
    return len(paths)


def _mark_work_items(engine) -> None:
    """The office's status of every campaign work item, each with a hostile note (typed by an account:
    shown on the 工作任务台账 page), through the one door for writes."""
    conf, leader = load_campaign(), Viewer("leader", "leader", resolve_unit(engine, None).unit_id)
    for i, item in enumerate(conf.work_items):
        actions.mark_work_item(engine, leader, conf, item.code, "进行中", note=PAYLOADS[i % len(PAYLOADS)] + LINK)


_BUILT: dict[str, str] = {}


def hostile_county_url(tmp_path_factory) -> str:
    """The URL of the session's hostile-county SQLite database (built once, then reused)."""
    if "url" not in _BUILT:
        url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'hostile.sqlite'}"
        build_hostile_county(get_engine(url))
        _BUILT["url"] = url
    return _BUILT["url"]


INJECTED_JS = """(root) => {
  const bad = [], doc = root ? document.querySelector(root) : document;
  if (!doc) return bad;
  const sel = 'img[src="x"], [onerror], [onload], iframe, [srcdoc], a[href*="evil.example"],'
            + ' [src*="evil.example"], a[href^="javascript"]';
  doc.querySelectorAll(sel).forEach(e => bad.push(e.outerHTML.slice(0, 160)));
  doc.querySelectorAll('script').forEach(s => {
    if (/__pwned|PWNED/.test(s.textContent)) bad.push(s.outerHTML.slice(0, 160)); });
  if (window.__pwned) bad.push('window.__pwned = ' + window.__pwned);
  if (/PWNED/.test(document.title)) bad.push('document.title = ' + document.title);
  return bad;
}"""


def injected(page, root: str | None = None) -> list[str]:
    """What the payloads became in `page` (or in its element `root`, a CSS selector): injected
    elements, links and images to evil.example, side effects of their scripts."""
    return page.evaluate(INJECTED_JS, root)
