"""Formula-injection neutralising for spreadsheet cells (CSV/Excel injection, OWASP).

A text cell that begins with `=`, `+`, `-`, `@` (or a tab or carriage return, which some
spreadsheet programs strip before parsing) may be run as a formula when the file is opened, or when
it is copied into another sheet. Every text written to a workbook goes through `neutralise`, which
puts an apostrophe in front of such a text, and is then written with `write_string`, so that it is
never stored as a formula either.
"""
from __future__ import annotations

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"


def is_dangerous(text: str) -> bool:
    """Whether a text would be taken for a formula by a spreadsheet program."""
    return bool(text) and text.startswith(DANGEROUS_FIRST)


def neutralise(text) -> str:
    """The text to write into a cell: unchanged, or with a leading apostrophe when it could be
    taken for a formula. None becomes ''."""
    if text is None:
        return ""
    text = str(text)
    return PREFIX + text if is_dangerous(text) else text
