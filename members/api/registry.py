"""What the members API says about a reader, by section.

members cannot import billing (arrows point down), yet "is this reader an entitled patron,
of which tier" is billing's to answer. So the API's answer is made of sections that apps
register from `AppConfig.ready`, each with the JSON Schema of its part for the OpenAPI
document: billing registers `patron`. members itself answers `member`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from members.models import User


@dataclass(frozen=True)
class Section:
    name: str
    describe: Callable[[User], dict[str, Any]]
    schema: dict[str, Any]  # JSON Schema (OpenAPI 3.1) of what `describe` returns


_SECTIONS: dict[str, Section] = {}


def register_section(
    name: str, describe: Callable[[User], dict[str, Any]], *, schema: dict[str, Any]
) -> None:
    """Add (or replace, by name) a part of every `/api/v1/me` answer."""
    _SECTIONS[name] = Section(name=name, describe=describe, schema=schema)


def sections() -> list[Section]:
    return list(_SECTIONS.values())
