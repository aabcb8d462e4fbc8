"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a checksum over the first 17."""
from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_char(first17: str) -> str:
    """The check character for the first 17 characters."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """None when the code is valid, else the reason in Chinese."""
    if len(code) != 18:
        return f"统一社会信用代码应为18位，实际为{len(code)}位"
    bad = [ch for ch in code if ch not in ALPHABET]
    if bad:
        return f"统一社会信用代码含非法字符“{bad[0]}”"
    if code[17] != check_char(code[:17]):
        return "统一社会信用代码校验位错误"
    return None


def make_credit_code(first17: str) -> str:
    """A valid code from 17 leading characters (for sample data and tests)."""
    return first17 + check_char(first17)
