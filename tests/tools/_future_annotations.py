"""Tools defined under postponed annotations (as in many notebooks)."""

from __future__ import annotations

from typing import Literal, TypedDict


def tool(n: int, c: Literal["x"]) -> None:
    """Uses string annotations."""


class Loop(TypedDict):
    child: Loop | None


def recursive(node: Loop) -> None:
    """A TypedDict that refers to itself."""
