"""Reading docker-compose.yml and .dockerignore as Docker would, without a Docker engine.

`interpolate` follows the Compose specification's interpolation: `$$` is a literal `$`;
`${VAR}` and `$VAR`; `${VAR:-default}` (unset or empty) and `${VAR-default}` (unset only);
`${VAR:?error}` and `${VAR?error}`; `${VAR:+alt}` and `${VAR+alt}`. Nested expressions in a
default are not supported (the file has none, and `interpolate` refuses them).

`dockerignored` applies .dockerignore rules: patterns relative to the context, later
patterns win, `!` re-includes, a matching directory excludes all under it, `**` matches any
number of directories (fnmatch's `*` also crosses `/`, a little wider than Docker's).
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]

_EXPR = re.compile(
    r"\$\$"
    r"|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


class MissingVariable(Exception):
    """`${VAR:?message}` with VAR unset (or empty): compose refuses to start."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


def _resolve(name: str, op: str, arg: str, env: dict[str, str]) -> str:
    value = env.get(name)
    # With a colon, an empty value counts as unset.
    missing = (value is None or value == "") if op.startswith(":") else value is None
    if op in (":?", "?") and missing:
        raise MissingVariable(name, arg)
    if op in (":-", "-"):
        return arg if missing else str(value)
    if op in (":+", "+"):
        return "" if missing else arg
    return value or ""


def interpolate_text(text: str, env: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        arg = match.group("arg") or ""
        if "$" in arg.replace("$$", ""):
            raise ValueError(f"nested interpolation is not supported: {match.group(0)}")
        name = match.group("name") or match.group("bare")
        return _resolve(name, match.group("op") or "", arg, env)

    return _EXPR.sub(replace, text)


def interpolate(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate_text(node, env)
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(item, env) for item in node]
    return node


def compose_raw() -> dict[str, Any]:
    """The file as YAML (anchors and `<<` merges resolved), before interpolation."""
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def compose(env: dict[str, str]) -> dict[str, Any]:
    """The file as `docker compose config` would resolve it with `env` as the host's
    environment (or .env)."""
    return interpolate(compose_raw(), env)


def dockerignored(path: str) -> bool:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    parts = path.split("/")
    # The path itself and every directory above it: excluding a directory excludes its files.
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw.removeprefix("!").strip("/")
        variants = {pattern, pattern.removeprefix("**/")}
        if any(fnmatch.fnmatchcase(c, v) for c in candidates for v in variants):
            ignored = not negate
    return ignored
