"""Access to ``fixtures3.json``, Stripe's own example of every object: our shape contract.

Builders start from :func:`blank` so that every object we return has exactly the fixture's keys;
the values are then set explicitly (the fixture's values are placeholders, not real data).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

FIXTURES_PATH = Path(__file__).with_name("fixtures3.json")


@lru_cache(maxsize=1)
def _resources() -> dict[str, Any]:
    with FIXTURES_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)["resources"]


def _nulled(value: Any) -> Any:
    # Empty containers stay empty containers (metadata {}, lists []); anything with content in
    # the fixture is a placeholder and becomes null until a builder sets a real value.
    if isinstance(value, list):
        return []
    if isinstance(value, dict):
        return {} if not value else None
    return None


def blank(type_: str) -> dict[str, Any]:
    template = _resources()[type_]
    obj = {key: _nulled(value) for key, value in template.items()}
    if "object" in template:
        obj["object"] = template["object"]
    if "livemode" in template:
        obj["livemode"] = False
    return obj


def shape(type_: str, path: str, **values: Any) -> dict[str, Any]:
    """A nested fixture hash (``path`` is dotted, ``[]`` picks a list's first element) with its
    leaves nulled and ``values`` filled in. Unknown keys raise, which catches builder typos."""
    node: Any = _resources()[type_]
    for part in path.split("."):
        node = node[part[:-2]][0] if part.endswith("[]") else node[part]
    if not isinstance(node, dict):
        raise TypeError(f"{type_}.{path} is not a hash in the fixture")
    obj = {key: _nulled(value) for key, value in node.items()}
    for key, value in values.items():
        if key not in obj:
            raise KeyError(f"{type_}.{path} has no key {key!r} in the fixture")
        obj[key] = value
    return obj
