"""Read a function description and parameter descriptions out of a docstring.

Understands the three styles people actually write: Google (``Args:``), NumPy
(``Parameters`` underlined with dashes) and Sphinx/reST (``:param x:``). The
function description is the prose before the first section; sections such as
``Returns`` or ``Raises`` are left out because the model only needs to know
what the tool does and what each argument means.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

__all__ = ["ParsedDocstring", "parse_docstring"]


@dataclass(frozen=True)
class ParsedDocstring:
    description: str = ""
    params: dict[str, str] = field(default_factory=dict)


# "Attributes" documents the fields of a TypedDict, dataclass or pydantic model.
_GOOGLE_PARAM_HEADERS = {
    "args",
    "arguments",
    "parameters",
    "params",
    "keyword args",
    "kwargs",
    "attributes",
}
_GOOGLE_OTHER_HEADERS = {
    "returns",
    "return",
    "yields",
    "yield",
    "raises",
    "raise",
    "examples",
    "example",
    "notes",
    "note",
    "see also",
    "references",
    "warnings",
    "warning",
    "todo",
}
_GOOGLE_HEADER = re.compile(r"^([A-Za-z][A-Za-z ]*):\s*$")
# "name (type): text", "name: text"; the type part may hold brackets and commas.
_GOOGLE_ITEM = re.compile(r"^\*{0,2}([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(([^)]*)\))?\s*:\s*(.*)$")
_NUMPY_UNDERLINE = re.compile(r"^-{3,}\s*$")
_NUMPY_ITEM = re.compile(
    r"^\*{0,2}[A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*\*{0,2}[A-Za-z_][A-Za-z0-9_]*)*\s*(?::.*)?$"
)
_SPHINX_FIELD = re.compile(r"^:(\w+)(?:\s+([^:]+?))?\s*:\s*(.*)$")
_SPHINX_PARAM_KINDS = {"param", "parameter", "arg", "argument", "key", "keyword"}


def parse_docstring(doc: str | None) -> ParsedDocstring:
    """Split ``doc`` into the function description and ``{parameter: description}``."""
    if not doc:
        return ParsedDocstring()
    lines = inspect.cleandoc(doc).splitlines()
    description_end = len(lines)
    params: dict[str, str] = {}

    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        header = _GOOGLE_HEADER.match(stripped)
        is_numpy = i + 1 < len(lines) and bool(_NUMPY_UNDERLINE.match(lines[i + 1].strip()))
        if is_numpy and stripped:
            description_end = min(description_end, i)
            body, i = _section_body_numpy(lines, i + 2)
            if stripped.lower() in _GOOGLE_PARAM_HEADERS | {"other parameters"}:
                params.update(_numpy_params(body))
            continue
        if header and header.group(1).lower() in _GOOGLE_PARAM_HEADERS | _GOOGLE_OTHER_HEADERS:
            description_end = min(description_end, i)
            body, i = _section_body_google(lines, i + 1)
            if header.group(1).lower() in _GOOGLE_PARAM_HEADERS:
                params.update(_google_params(body))
            continue
        if stripped.startswith(":") and _SPHINX_FIELD.match(stripped):
            description_end = min(description_end, i)
            i = _sphinx_field(lines, i, params)
            continue
        i += 1

    description = _join_paragraphs(lines[:description_end])
    return ParsedDocstring(description=description, params=params)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _section_body_google(lines: list[str], start: int) -> tuple[list[str], int]:
    """Lines indented under a Google header (blank lines inside are kept)."""
    body: list[str] = []
    i = start
    while i < len(lines):
        line = lines[i]
        if line.strip() and _indent(line) == 0:
            break
        body.append(line)
        i += 1
    return body, i


def _section_body_numpy(lines: list[str], start: int) -> tuple[list[str], int]:
    """Lines up to the next NumPy header (a line followed by a dashed underline)."""
    body: list[str] = []
    i = start
    while i < len(lines):
        if i + 1 < len(lines) and _NUMPY_UNDERLINE.match(lines[i + 1].strip()) and lines[i].strip():
            break
        body.append(lines[i])
        i += 1
    return body, i


def _google_params(body: list[str]) -> dict[str, str]:
    nonblank = [line for line in body if line.strip()]
    if not nonblank:
        return {}
    item_indent = min(_indent(line) for line in nonblank)
    params: dict[str, list[str]] = {}
    current: str | None = None
    for line in body:
        if not line.strip():
            continue
        if _indent(line) == item_indent:
            match = _GOOGLE_ITEM.match(line.strip())
            if match:
                current = match.group(1)
                params[current] = [match.group(3)]
                continue
        if current is not None:
            params[current].append(line.strip())
    return {name: _squash(parts) for name, parts in params.items()}


def _numpy_params(body: list[str]) -> dict[str, str]:
    params: dict[str, list[str]] = {}
    current: list[str] = []
    for line in body:
        if not line.strip():
            continue
        if _indent(line) == 0:
            match = _NUMPY_ITEM.match(line.strip())
            current = []
            if match:
                # "x, y : int" documents two parameters with one text.
                for name in re.split(r"\s*,\s*", line.split(":", 1)[0].strip()):
                    params[name.lstrip("*")] = current
            continue
        current.append(line.strip())
    return {name: _squash(parts) for name, parts in params.items()}


def _sphinx_field(lines: list[str], i: int, params: dict[str, str]) -> int:
    match = _SPHINX_FIELD.match(lines[i].strip())
    assert match is not None
    kind, arg, text = match.group(1), match.group(2), match.group(3)
    parts = [text]
    i += 1
    # Continuation lines are indented; the next field or a blank line ends this one.
    while i < len(lines) and lines[i].strip() and not lines[i].strip().startswith(":"):
        if _indent(lines[i]) == 0:
            break
        parts.append(lines[i].strip())
        i += 1
    if kind in _SPHINX_PARAM_KINDS and arg:
        # ":param int count:" carries a type before the name.
        name = arg.split()[-1].lstrip("*")
        params[name] = _squash(parts)
    return i


def _squash(parts: list[str]) -> str:
    return " ".join(part for part in parts if part).strip()


def _join_paragraphs(lines: list[str]) -> str:
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)
