"""How the widget's view writes figures, in Python, so browser tests can compare the text a
page shows with what Python computed."""

from __future__ import annotations

import math


def format_usd(usd: float) -> str:
    """The view's formatUsd (js/src/view/dom.ts)."""
    if not math.isfinite(usd):
        return "unknown"
    if usd == 0:
        return "$0.00"
    if usd < 0.01:
        return f"${usd:.4f}"
    if usd < 1:
        return f"${usd:.3f}"
    return f"${usd:.2f}"
