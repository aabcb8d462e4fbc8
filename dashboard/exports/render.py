"""One StageSummary → the bytes of one format, with its file name and MIME type."""
from __future__ import annotations

from .summary import StageSummary

FORMATS = ("xlsx", "docx", "pdf")
MIME_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
FORMAT_LABELS = {"xlsx": "Excel 数据表", "docx": "Word 总结", "pdf": "PDF 总结"}


def file_name(s: StageSummary, fmt: str) -> str:
    """安丰分局_深入推进阶段_阶段性总结.xlsx (the data table) / …_工作总结.docx."""
    kind = "数据表" if fmt == "xlsx" else "工作总结"
    return f"{s.unit_name}_{s.window.label}_{kind}.{fmt}"


def render(s: StageSummary, fmt: str, *, docx: bytes | None = None) -> bytes:
    """The file's bytes; `docx` reuses an already built briefing for the PDF. PDF raises
    pdf.PdfUnavailable where LibreOffice is missing."""
    # Each writer is loaded for its own format only (python-docx, the chart renderer, LibreOffice's
    # wrapper): the export page and the CLI import this module before any file is asked for.
    if fmt == "xlsx":
        from .xlsx import build_xlsx  # per format, see above
        return build_xlsx(s)
    if fmt == "docx":
        from .docx import build_docx  # per format
        return build_docx(s)
    if fmt == "pdf":
        from .docx import build_docx  # per format
        from .pdf import docx_to_pdf
        return docx_to_pdf(docx if docx is not None else build_docx(s))
    raise ValueError(f"未知的导出格式：{fmt}（可用：{'、'.join(FORMATS)}）")
