"""The built front end (`realtime_widget/static/`), or a readable stand-in when it is missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

STATIC: Final = Path(__file__).parent / "static"
BUILD_HINT: Final = (
    "realtime_widget's front end is not built ({missing} is missing). From the repository "
    "root run `pip install -e .` (it builds the JavaScript), or `npm ci && npm run build` "
    "in js/, then restart the kernel."
)


def static_module(name: str) -> Path | str:
    """The built file, or a stand-in module that shows the build hint in the notebook.

    anywidget reads a Path when the class is created and fails on a missing file; a plain
    string keeps `import realtime_widget` working (the analysis side needs no browser) and
    `RealtimeWidget()` raises the readable error instead.
    """
    path = STATIC / name
    if path.is_file():
        return path
    if name.endswith(".css"):
        return ""
    hint = json.dumps(BUILD_HINT.format(missing=path))
    return f"export default {{ render({{ el }}) {{ el.textContent = {hint}; }} }};"
