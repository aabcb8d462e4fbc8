"""The briefing as PDF: the Word file converted by LibreOffice headless (`soffice --headless
--convert-to pdf`), so the PDF has exactly the briefing's content and layout.

Where LibreOffice is missing, `PdfUnavailable` carries a Chinese message: the page shows it instead
of the download, the command line prints it and exits non-zero.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("soffice", "libreoffice")
TIMEOUT_S = 180


class PdfUnavailable(RuntimeError):
    """PDF cannot be made on this machine (no LibreOffice) or the conversion failed."""


def find_soffice() -> str | None:
    """The LibreOffice executable (DASHBOARD_SOFFICE, else soffice / libreoffice on PATH)."""
    configured = os.environ.get("DASHBOARD_SOFFICE")
    if configured:
        return configured if Path(configured).exists() or shutil.which(configured) else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def available() -> bool:
    """Whether a PDF can be made here."""
    return find_soffice() is not None


MISSING_MESSAGE = ("无法生成PDF：本机未安装 LibreOffice（soffice）。请安装 libreoffice-writer 后重试，"
                   "或下载 Word 版自行另存为 PDF。")


def docx_to_pdf(docx: bytes, *, timeout: int = TIMEOUT_S) -> bytes:
    """Convert a .docx (bytes) to PDF (bytes) with LibreOffice headless, in a private profile so
    that parallel conversions and a user's open LibreOffice do not get in each other's way."""
    soffice = find_soffice()
    if soffice is None:
        raise PdfUnavailable(MISSING_MESSAGE)
    with tempfile.TemporaryDirectory(prefix="stage_summary_") as tmp:
        folder = Path(tmp)
        src = folder / "briefing.docx"
        src.write_bytes(docx)
        profile = (folder / "profile").as_uri()
        cmd = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(folder), str(src)]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfUnavailable(f"生成PDF超时（超过 {timeout} 秒），请稍后重试") from exc
        except OSError as exc:
            raise PdfUnavailable(f"无法启动 LibreOffice：{exc}") from exc
        out = folder / "briefing.pdf"
        if done.returncode != 0 or not out.exists():
            detail = (done.stderr or done.stdout or b"").decode("utf-8", "replace").strip()[-300:]
            raise PdfUnavailable(f"LibreOffice 转换 PDF 失败（退出码 {done.returncode}）：{detail}")
        return out.read_bytes()
