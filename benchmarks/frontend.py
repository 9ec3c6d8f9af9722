"""Benchmark: front-end weight (built widget.js/css, raw and gzip) and time to first render.

Sizes are of `realtime_widget/static/` (rebuilt with `npm run build` first when a source in
js/src is newer). First render: in JupyterLab, from running a cell that displays the widget
to its Connect button being on screen (kernel round trip, comm, ESM already loaded).

    .venv/bin/python benchmarks/frontend.py [--smoke]      # --sizes-only: no browser

Target (issue 7): under 40 KB gzip in total, no UI framework.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
STATIC = REPO / "realtime_widget" / "static"
JS = REPO / "js"
FILES = ("widget.js", "widget.css")
TARGET_GZIP_KB = 40.0


def ensure_built() -> bool:
    """Build the bundle if it is missing or older than a source; True if it built."""
    built = [STATIC / f for f in FILES]
    sources = [p for p in (JS / "src").rglob("*") if p.is_file()]
    if all(p.exists() for p in built):
        oldest = min(p.stat().st_mtime for p in built)
        if all(s.stat().st_mtime <= oldest for s in sources):
            return False
    subprocess.run(["npm", "run", "build", "--silent"], cwd=JS, check=True, capture_output=True)
    return True


def sizes() -> dict[str, Any]:
    rebuilt = ensure_built()
    out: dict[str, Any] = {"rebuilt": rebuilt, "files": {}}
    total_raw = total_gz = 0
    for name in FILES:
        data = (STATIC / name).read_bytes()
        gz = len(gzip.compress(data, compresslevel=9))
        out["files"][name] = {"raw": len(data), "gzip": gz}
        total_raw += len(data)
        total_gz += gz
    out["total_raw"], out["total_gzip"] = total_raw, total_gz
    package = json.loads((JS / "package.json").read_text(encoding="utf-8"))
    out["runtime_dependencies"] = sorted(package.get("dependencies", {}))
    return out


_FIRST_RENDER = """async () => {
  const app = window.jupyterapp;
  const nb = app.shell.currentWidget.content;
  nb.activeCellIndex = nb.widgets.length - 1;
  nb.mode = 'command';
  await app.commands.execute('notebook:insert-cell-below');
  const index = nb.activeCellIndex;
  nb.activeCell.model.sharedModel.setSource('w');
  const t0 = performance.now();
  app.commands.execute('notebook:run-cell');
  return await new Promise((resolve, reject) => {
    const limit = t0 + 30000;
    const tick = () => {
      const button = [...nb.widgets[index].node.querySelectorAll('button')]
        .find((b) => b.textContent.trim() === 'Connect');
      if (button && button.offsetParent !== null) resolve(performance.now() - t0);
      else if (performance.now() > limit) reject(new Error('the view never rendered'));
      else requestAnimationFrame(tick);
    };
    tick();
  });
}"""


def first_render_ms(session: Any, repeats: int) -> list[float]:
    times: list[float] = []
    for _ in range(repeats):
        times.append(float(session.page.evaluate(_FIRST_RENDER)))
        session.page.wait_for_timeout(300)
    return times


def table(result: dict[str, Any]) -> str:
    lines = [f"{'file':<12} {'raw KB':>9} {'gzip KB':>9}"]
    for name, f in result["files"].items():
        lines.append(f"{name:<12} {f['raw'] / 1024:>9.1f} {f['gzip'] / 1024:>9.1f}")
    total = result["total_gzip"] / 1024
    lines.append(f"{'total':<12} {result['total_raw'] / 1024:>9.1f} {total:>9.1f}")
    lines.append(
        f"gzip total {total:.1f} KB = {total / TARGET_GZIP_KB:.2f}x of the {TARGET_GZIP_KB:g} KB "
        f"budget; runtime dependencies: {', '.join(result['runtime_dependencies']) or 'none'}"
    )
    if "first_render_ms" in result:
        runs = ", ".join(f"{t:.0f}" for t in result["first_render_ms"])
        lines.append(f"first render in JupyterLab (run cell -> Connect visible): {runs} ms")
    return "\n".join(lines)


def run(session: Any | None, smoke: bool) -> dict[str, Any]:
    result = sizes()
    if session is not None:
        result["first_render_ms"] = first_render_ms(session, 1 if smoke else 5)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--sizes-only", action="store_true", help="no browser")
    args = parser.parse_args()
    if args.sizes_only:
        print(table(run(None, args.smoke)))
        return
    from _session import session

    with session() as s:
        result = run(s, args.smoke)
    print(table(result))


if __name__ == "__main__":
    main()
