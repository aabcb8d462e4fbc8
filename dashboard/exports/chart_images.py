"""The briefing's charts: the same Altair charts the pages show (dashboard.altair_charts), rendered to PNG
offline with vl-convert-python and a CJK font.

vl-convert bundles its own Vega renderer and reads fonts from the system; the Noto CJK folder (Debian
package fonts-noto-cjk) is registered explicitly as well, so Chinese labels render wherever it is
installed. Without vl-convert the briefing is still written, with a note instead of each chart.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

from .. import altair_charts
from ..labels import short_name
from .summary import StageSummary

# Where CJK fonts may live (DASHBOARD_FONT_DIR first): registered with vl-convert when present.
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto",
             "/usr/share/fonts/opentype/noto-cjk", "/usr/share/fonts/noto-cjk")
CHART_WIDTH = 640  # px of the chart's plotting width when rendered (the page uses the container's)


class ChartUnavailable(RuntimeError):
    """vl-convert-python is not installed: charts cannot be rendered to PNG."""


def chart_for(s: StageSummary, key: str):
    """The Altair chart of a briefing chart key: `heatmap` (units × targets) or `phases` (each
    target's figure at the end of each phase)."""
    if key == "heatmap":
        figs = [f for f in s.figures if f["unit_code"] == s.unit_code] + \
               [f for f in s.figures if f["unit_code"] != s.unit_code]
        return altair_charts.status_heatmap(figs)
    if key == "phases":
        return altair_charts.phase_comparison([{**f, "name": short_name(f)}
                                        for f in s.phase_figures])
    raise KeyError(f"未知的图表：{key}")


@functools.lru_cache(maxsize=1)
def _converter():
    try:  # an optional dependency: without it the briefing has notes instead of charts
        import vl_convert as vlc
    except ImportError as exc:
        raise ChartUnavailable("未安装 vl-convert-python，无法生成图表图片") from exc
    for folder in (os.environ.get("DASHBOARD_FONT_DIR"), *FONT_DIRS):
        if folder and Path(folder).is_dir():
            try:
                vlc.register_font_directory(folder)
            except Exception:  # noqa: BLE001 — a font folder it cannot read only loses that folder
                pass
    return vlc


def available() -> bool:
    """Whether charts can be rendered (vl-convert-python importable)."""
    try:
        _converter()
    except ChartUnavailable:
        return False
    return True


def to_png(chart, *, scale: float = 2.0, width: int = CHART_WIDTH, columns: int | None = None) -> bytes:
    """A chart as PNG bytes; a `width="container"` chart gets a fixed width (there is no container),
    a faceted chart may be given fewer columns to suit a portrait page."""
    vlc = _converter()
    spec = chart.to_dict()
    _fix_width(spec, width)
    if columns and "facet" in spec and "columns" in spec:
        spec["columns"] = columns
        inner = spec.get("spec", {})
        inner["width"] = int((width - 40) / columns) - 20
    return vlc.vegalite_to_png(spec, scale=scale)


# Print layout per chart key: facet columns for a portrait page.
PRINT_COLUMNS = {"phases": 3}


def chart_png(s: StageSummary, key: str) -> bytes:
    """A briefing chart as PNG, laid out for an A4 portrait page."""
    return to_png(chart_for(s, key), columns=PRINT_COLUMNS.get(key))


def _fix_width(spec: dict, width: int) -> None:
    if spec.get("width") == "container":
        spec["width"] = width
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for sub in spec.get(key, ()):
            _fix_width(sub, width)
    if isinstance(spec.get("spec"), dict):
        _fix_width(spec["spec"], width)
