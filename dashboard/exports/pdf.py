"""The briefing as PDF: the Word file converted by LibreOffice headless (`soffice --headless
--convert-to pdf`), so the PDF has exactly the briefing's content and layout.

Where LibreOffice is missing, `PdfUnavailable` carries a Chinese message: the page shows it instead
of the download, the command line prints it and exits non-zero.

The Word file asks for the official fonts (仿宋_GB2312, 楷体_GB2312 …), which a server rarely has.
LibreOffice then takes whatever fontconfig offers — a sans face for body text. So the conversion
runs with a fontconfig that maps them to the free Fandol faces of the same style (FandolFang for
仿宋, FandolKai for 楷体; GPL, in Debian's texlive-lang-chinese, or any folder named by
DASHBOARD_FONT_DIR), which LibreOffice embeds in the PDF.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("soffice", "libreoffice")
TIMEOUT_S = 180
FONT_DIRS = ("/usr/local/share/fonts/fandol",  # scripts/install-system-deps.sh puts them here
             "/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol")  # texlive-lang-chinese
# official font → the free face of its style that renders it
FONT_ALIASES = {"仿宋_GB2312": "FandolFang", "仿宋": "FandolFang", "FangSong": "FandolFang",
                "楷体_GB2312": "FandolKai", "楷体": "FandolKai", "KaiTi": "FandolKai"}


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


def font_dirs() -> list[str]:
    """The folders holding the Fandol faces here (DASHBOARD_FONT_DIR first)."""
    dirs = [os.environ.get("DASHBOARD_FONT_DIR", ""), *FONT_DIRS]
    return [d for d in dirs if d and (Path(d) / "FandolFang-Regular.otf").exists()]


def _fontconfig_env(folder: Path) -> dict:
    """The environment for soffice: a fontconfig with the Fandol folders and the official fonts
    aliased to them (the system's configuration otherwise); unchanged without Fandol."""
    dirs = font_dirs()
    if not dirs:
        return dict(os.environ)
    aliases = "".join(f"<alias binding=\"same\"><family>{official}</family><prefer><family>{face}</family>"
                      "</prefer></alias>" for official, face in FONT_ALIASES.items())
    conf = folder / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
                    + "".join(f"<dir>{d}</dir>" for d in dirs)
                    + f"<cachedir>{folder / 'fc-cache'}</cachedir>{aliases}</fontconfig>", encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


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
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False,
                                  env=_fontconfig_env(folder))
        except subprocess.TimeoutExpired as exc:
            raise PdfUnavailable(f"生成PDF超时（超过 {timeout} 秒），请稍后重试") from exc
        except OSError as exc:
            raise PdfUnavailable(f"无法启动 LibreOffice：{exc}") from exc
        out = folder / "briefing.pdf"
        if done.returncode != 0 or not out.exists():
            detail = (done.stderr or done.stdout or b"").decode("utf-8", "replace").strip()[-300:]
            raise PdfUnavailable(f"LibreOffice 转换 PDF 失败（退出码 {done.returncode}）：{detail}")
        return out.read_bytes()
