"""Safe names for exported and downloaded files (no Streamlit).

Names of downloads are built from user- and data-supplied text (unit names, file names of uploads,
month labels); `safe_filename` keeps the Chinese text and strips everything that could escape a
folder, confuse a file system or a browser: path separators, `..`, control characters, characters
Windows forbids, reserved device names, leading dots and overlong names.
"""
from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 120
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u202a-\u202e\u2066-\u2069]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)


def safe_filename(name: str | None, *, default: str = "download", extension: str | None = None) -> str:
    """A file name safe to offer as a download or write into a folder: `../东台/城区 分局:5月.xlsx` →
    `东台_城区 分局_5月.xlsx`. `extension` ("xlsx" or ".xlsx") replaces or adds the suffix."""
    text = unicodedata.normalize("NFKC", str(name or ""))
    text = _FORBIDDEN.sub("_", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"_+", "_", text).strip(" ._")
    text = re.sub(r"\.{2,}", ".", text)
    stem, dot, ext = text.rpartition(".")
    if not dot or not stem or not re.fullmatch(r"[A-Za-z0-9]{1,8}", ext):
        stem, ext = text, ""
    if extension:
        ext = extension.lstrip(".")
    stem = stem.strip(" ._") or default
    if _RESERVED.match(stem):
        stem = "_" + stem
    room = MAX_LENGTH - (len(ext) + 1 if ext else 0)
    stem = stem[:room].rstrip(" ._") or default
    return f"{stem}.{ext}" if ext else stem
