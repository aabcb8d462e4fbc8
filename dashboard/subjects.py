"""Subject types and licence kinds, from `config/subjects.yaml`: which types the registry sheet's
主体类型 column accepts (and the type of a row that leaves it empty), which licence each type holds,
whether its number is required and what it looks like. Campaign populations select by type."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

# The project's folder found from here, not from dashboard.db: models reads this module and db
# reads models, so importing db here would close a cycle.
SUBJECTS_FILE = Path(__file__).resolve().parent.parent / "config" / "subjects.yaml"


@dataclass(frozen=True)
class Licence:
    """A licence kind: its name and, when known, the pattern of its number with a hint."""
    kind: str
    name: str
    pattern: str | None = None
    hint: str | None = None

    def problem(self, number: str) -> str | None:
        """Why a number is not one of this kind's, or None."""
        if self.pattern and not re.fullmatch(self.pattern, number):
            return "格式不正确" + (f"，{self.hint}" if self.hint else "")
        return None


@dataclass(frozen=True)
class SubjectType:
    """A subject type and its licence."""
    name: str
    licence: Licence
    licence_required: bool


@dataclass(frozen=True)
class Subjects:
    """Every configured subject type, by name, and the default one."""
    default: str
    types: dict[str, SubjectType]


@functools.cache
def subjects() -> Subjects:
    """The configuration, read once."""
    data = yaml.safe_load(SUBJECTS_FILE.read_text(encoding="utf-8"))
    licences = {str(x["kind"]): Licence(str(x["kind"]), x["name"], x.get("pattern"), x.get("hint"))
                for x in data["licences"]}
    types = {t["name"]: SubjectType(t["name"], licences[t["licence"]], bool(t.get("licence_required")))
             for t in data["subject_types"]}
    if data["default"] not in types:
        raise ValueError(f"{SUBJECTS_FILE.name}：default“{data['default']}”不是已配置的主体类型")
    return Subjects(data["default"], types)
