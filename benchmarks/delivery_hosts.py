"""Benchmark: the widget's event delivery browser → kernel in marimo vs JupyterLab, one run.

marimo hands every `model.send` of a widget to its kernel as its own HTTP request (JupyterLab:
a message on the kernel's open WebSocket), so each batch of events the widget sends costs a
request there. Measured as delivery.py measures the widget (same bench emulator, same
in-page and network sources, same stamps: the kernel's `time.time()` once a batch is in
`w.conversation`), with a JupyterLab notebook page (delivery.py's session) and a `marimo run`
page of a generated notebook (tests/e2e/marimo_server.py) in the same Chromium. Each host
runs with the default batching (`batch_interval_ms` 50, `batch_max_events` 200) and with a
larger batch (100 ms, 1,000 events), in alternating order per size (ABCD, DCBA, ...).

The marimo kernel reports through files (benchmarks/marimo_side.py): a marimo kernel has no
client to attach to. `batches` = the `events` messages the kernel received in the run (in
marimo, HTTP requests).

    .venv/bin/python benchmarks/delivery_hosts.py [--smoke]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import delivery
from _session import INSTRUMENT_JS, REPO, Session, session
from playwright.sync_api import Locator, Page

from benchmarks.marimo_side import TICK_S
from tests.e2e.marimo_server import MarimoServer, marimo_run

HOSTS = ("jupyterlab", "marimo")
#: name -> (batch_interval_ms, batch_max_events); "default" is the widget's default.
BATCHING = {"default": (50, 200), "large": (100, 1_000)}
SIZES = (1_000, 5_000, 10_000)
CONNECT_TIMEOUT_S = 60.0
STALL_S = 120.0

# (host, batching, source, n, rate); rate 0 = as fast as possible
HostStep = tuple[str, str, str, int, float]


def plan(smoke: bool) -> list[HostStep]:
    if smoke:
        return [
            (host, batching, source, n, rate)
            for host in HOSTS
            for batching in BATCHING
            for source, n, rate in (("in-page", 300, 0.0), ("network", 100, 200.0))
        ]
    steps: list[HostStep] = []
    combos = [(h, b) for b in BATCHING for h in HOSTS]
    for i, n in enumerate(SIZES):
        order = combos if i % 2 == 0 else combos[::-1]
        steps += [(h, b, "in-page", n, 0.0) for h, b in order]
    steps += [(h, b, "network", 2_000, 200.0) for b in BATCHING for h in HOSTS]
    return steps


# --------------------------------------------------------------------------- marimo side

_NOTEBOOK = """import marimo

app = marimo.App()


@app.cell
def _():
    import sys

    sys.path.insert(0, {repo!r})
    import logging

    import marimo as mo

    from benchmarks.marimo_side import report_to
    from realtime_widget import RealtimeWidget

    logging.getLogger("realtime_widget").setLevel(logging.ERROR)
    _kw = dict(api_key={key!r}, base_url={url!r}, turn_detection=None, transcription=None)
    widgets = {{
        name: RealtimeWidget(**_kw, batch_interval_ms=ms, batch_max_events=most)
        for name, (ms, most) in {batching!r}.items()
    }}
    for _w in widgets.values():
        _w.muted = True
    stamps = report_to({folder!r}, widgets)
    return mo, widgets


@app.cell
def _(mo, widgets):
    mo.vstack([mo.ui.anywidget(w) for w in widgets.values()])
    return


if __name__ == "__main__":
    app.run()
"""


@dataclass
class MarimoHost:
    server: MarimoServer
    page: Page
    folder: Path

    def status(self) -> dict[str, Any]:
        path = self.folder / "status.json"
        for _ in range(50):
            try:
                data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
                return data
            except (FileNotFoundError, json.JSONDecodeError):
                time.sleep(0.1)
        raise RuntimeError(f"the marimo kernel wrote no status; log:\n{self.server.log_tail()}")

    def view(self, batching: str) -> Locator:
        return self.page.locator("marimo-anywidget").nth(list(BATCHING).index(batching))

    def dump(self, batching: str, tag: str) -> dict[str, float]:
        target = self.folder / f"arrivals-{batching}-{tag}.json"
        (self.folder / f"dump-{batching}-{tag}").touch()
        deadline = time.monotonic() + 60
        while not target.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the marimo kernel did not dump {tag}")
            time.sleep(0.1)
        arrived: dict[str, float] = json.loads(target.read_text(encoding="utf-8"))
        return arrived

    def collect_garbage(self) -> None:
        self.page.evaluate("() => window.gc && window.gc()")
        done = self.folder / "gc-done"
        done.unlink(missing_ok=True)
        (self.folder / "gc").touch()
        deadline = time.monotonic() + 30
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.05)


@contextlib.contextmanager
def marimo_host(s: Session) -> Iterator[MarimoHost]:
    """A `marimo run` page of a generated notebook with one widget per batching, against the
    session's bench emulator, in the session's Chromium."""
    with tempfile.TemporaryDirectory(prefix="rtw-bench-marimo-") as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "report"
        notebook = tmp / "bench_marimo.py"
        notebook.write_text(
            _NOTEBOOK.format(
                repo=str(REPO),
                key=s.emulator.api_key,
                url=s.emulator.url,
                batching=BATCHING,
                folder=str(folder),
            ),
            encoding="utf-8",
        )
        with marimo_run(notebook, tmp / "server") as server:
            context = s.browser.new_context(
                viewport={"width": 1280, "height": 900}, permissions=["microphone"]
            )
            context.add_init_script(INSTRUMENT_JS)
            page = context.new_page()
            page.set_default_timeout(60_000)
            try:
                page.goto(server.url)
                host = MarimoHost(server=server, page=page, folder=folder)
                for batching in BATCHING:
                    host.view(batching).get_by_role("button", name="Connect", exact=True).wait_for(
                        timeout=120_000
                    )
                yield host
            finally:
                context.close()


_VIEW_STATUS = """(i) => {
  const host = document.querySelectorAll('marimo-anywidget')[i];
  const root = host && host.shadowRoot;
  const pick = (sel) => {
    const el = root && root.querySelector(sel);
    return el ? el.textContent : null;
  };
  return { status: pick('.rtw-status'), error: pick('.rtw-error'), notices: pick('.rtw-notices') };
}"""


def _view_state(m: MarimoHost, batching: str) -> Any:
    return m.page.evaluate(_VIEW_STATUS, list(BATCHING).index(batching))


def _marimo_connect(m: MarimoHost, batching: str) -> str:
    before = m.status()[batching]["created"]
    button = m.view(batching).get_by_role("button", name="Connect", exact=True)
    try:
        button.wait_for(timeout=30_000)
        deadline = time.monotonic() + 30
        while not button.is_enabled() and time.monotonic() < deadline:
            time.sleep(0.2)
        button.click(timeout=5_000)
    except Exception as exc:
        raise RuntimeError(
            f"marimo widget {batching!r}: Connect cannot be pressed ({exc.__class__.__name__}); "
            f"the view: {_view_state(m, batching)}; the kernel: {m.status()[batching]}"
        ) from exc
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    while time.monotonic() < deadline:
        state = m.status()[batching]
        if state["created"] > before and state["status"] == "connected":
            return str(state["call_id"])
        time.sleep(0.2)
    raise RuntimeError(f"marimo widget {batching!r} did not connect: {m.status()[batching]}")


def _marimo_disconnect(m: MarimoHost, batching: str) -> None:
    m.view(batching).get_by_role("button", name="Disconnect", exact=True).click()
    deadline = time.monotonic() + 30
    while m.status()[batching]["status"] != "idle":
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"marimo widget {batching!r} not idle 30 s after Disconnect; the view: "
                f"{_view_state(m, batching)}; the kernel: {m.status()[batching]}"
            )
        time.sleep(0.2)


def _marimo_run(
    s: Session, m: MarimoHost, step: HostStep, call_id: str, tag: str
) -> tuple[delivery.Run, int]:
    _, batching, source, n, rate = step
    batches_before = m.status()[batching]["batches"]
    sent: dict[str, Any] = {}
    if source == "network":
        s.emulator.flood(tag, n, rate, call_id)
    else:
        sent = delivery.inject_in_page(m.page, tag, n)
    last, changed = -1, time.monotonic()
    while True:
        time.sleep(0.3)
        count = int(m.status()[batching]["counts"].get(tag, 0))
        if not sent.get("done"):
            sent = s.emulator.sent(tag)
        if sent.get("done") and count >= n:
            break
        if count != last:
            last, changed = count, time.monotonic()
        elif time.monotonic() - changed > STALL_S:
            break
    # The status is written every TICK_S, its batch count possibly a message behind its
    # stamps (the two handlers run one after the other): read it once it has settled.
    time.sleep(3 * TICK_S)
    batches = m.status()[batching]["batches"] - batches_before
    arrived = m.dump(batching, tag)
    note = "" if len(arrived) == n else f"only {len(arrived)} of {n} arrived (stalled)"
    return delivery.measured(("widget", source, n, rate, False), sent, arrived, note), batches


# --------------------------------------------------------------------------- JupyterLab side

_LAB_BATCHES = "from benchmarks.marimo_side import Batches as _B; _bench_batches = _B(w)"


def _lab_batching(s: Session, batching: str) -> None:
    ms, most = BATCHING[batching]
    s.kernel.run(f"w.batch_interval_ms = {ms}; w.batch_max_events = {most}")
    time.sleep(0.5)  # the trait change reaches the page's batcher (no reply to wait for)


def _lab_run(s: Session, step: HostStep, call_id: str, tag: str) -> tuple[delivery.Run, int]:
    _, _, source, n, rate = step
    before = int(s.kernel.eval("_bench_batches.count"))
    run = delivery.one_run(s, ("widget", source, n, rate, False), call_id, tag)
    return run, int(s.kernel.eval("_bench_batches.count")) - before


# --------------------------------------------------------------------------- one run


@dataclass
class HostRun:
    host: str
    batching: str
    run: dict[str, Any]  # delivery.Run as a dict
    batches: int


def run(s: Session, smoke: bool) -> list[HostRun]:
    """Every step of the plan, JupyterLab's widget `w` and a marimo page side by side."""
    results: list[HostRun] = []
    s.kernel.run(_LAB_BATCHES)
    lab_call = delivery._connect(s, "widget")
    assert lab_call is not None
    lab_batching = ""
    with marimo_host(s) as m:
        connected: str | None = None
        marimo_call = ""
        for index, step in enumerate(plan(smoke)):
            host, batching = step[0], step[1]
            tag = f"h{index}"
            if host == "jupyterlab":
                if batching != lab_batching:
                    _lab_batching(s, batching)
                    lab_batching = batching
                s.page.evaluate("() => window.gc && window.gc()")
                s.kernel.run("import gc as _bench_gc; _bench_gc.collect()")
                result, batches = _lab_run(s, step, lab_call, tag)
            else:
                if connected != batching:
                    if connected is not None:
                        _marimo_disconnect(m, connected)
                    marimo_call = _marimo_connect(m, batching)
                    connected = batching
                m.collect_garbage()
                result, batches = _marimo_run(s, m, step, marimo_call, tag)
            row = HostRun(host=host, batching=batching, run=asdict(result), batches=batches)
            print(format_row(row), flush=True)
            results.append(row)
            time.sleep(0.3)
        if connected is not None:
            _marimo_disconnect(m, connected)
    _lab_batching(s, "default")
    delivery._disconnect(s, "widget")
    delivery._settle(s, "widget")
    return results


# --------------------------------------------------------------------------- reporting

HEADER = (
    f"{'host':<11} {'batching':<9} {'source':<8} {'pacing':>7} {'events':>7} {'arrived':>8} "
    f"{'events/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'batches':>8} {'ev/batch':>9}"
)


def format_row(h: HostRun) -> str:
    r = h.run
    per_batch = r["delivered"] / h.batches if h.batches else float("nan")
    return (
        f"{h.host:<11} {h.batching:<9} {r['source']:<8} {r['pacing']:>7} {r['n']:>7,} "
        f"{r['delivered']:>8,} {r['events_per_s']:>9,.0f} {r['p50_ms']:>8.1f} "
        f"{r['p95_ms']:>8.1f} {r['max_ms']:>8.1f} {h.batches:>8,} {per_batch:>9.1f}"
        + (f"  {r['note']}" if r["note"] else "")
    )


def ratios(rows: list[HostRun]) -> list[dict[str, Any]]:
    """Per (source, pacing, events, batching): marimo ÷ JupyterLab events/s and p95; and per
    host, large ÷ default batching events/s."""
    by: dict[tuple[str, str, int], dict[tuple[str, str], dict[str, Any]]] = {}
    for h in rows:
        key = (h.run["source"], h.run["pacing"], h.run["n"])
        by.setdefault(key, {})[(h.host, h.batching)] = h.run
    out = []
    for (source, pacing, n), cell in by.items():

        def rate(host: str, batching: str, c: dict[tuple[str, str], dict[str, Any]] = cell) -> Any:
            r = c.get((host, batching))
            return r["events_per_s"] if r else None

        def p95(host: str, batching: str, c: dict[tuple[str, str], dict[str, Any]] = cell) -> Any:
            r = c.get((host, batching))
            return r["p95_ms"] if r else None

        entry: dict[str, Any] = {"source": source, "pacing": pacing, "n": n}
        for batching in BATCHING:
            lab, mar = rate("jupyterlab", batching), rate("marimo", batching)
            entry[f"marimo/lab {batching}"] = mar / lab if lab and mar else None
            lp, mp = p95("jupyterlab", batching), p95("marimo", batching)
            entry[f"p95 marimo/lab {batching}"] = mp / lp if lp and mp else None
        for host in HOSTS:
            d, big = rate(host, "default"), rate(host, "large")
            entry[f"{host} large/default"] = big / d if d and big else None
        out.append(entry)
    return out


def ratio_table(rows: list[HostRun]) -> str:
    cols = [
        "marimo/lab default",
        "marimo/lab large",
        "p95 marimo/lab default",
        "p95 marimo/lab large",
        "jupyterlab large/default",
        "marimo large/default",
    ]
    head = f"{'source':<8} {'pacing':>7} {'events':>7} " + " ".join(f"{c:>24}" for c in cols)
    lines = [head]
    for e in ratios(rows):
        cells = " ".join(f"{'-' if e[c] is None else format(e[c], '.2f') + 'x':>24}" for c in cols)
        lines.append(f"{e['source']:<8} {e['pacing']:>7} {e['n']:>7,} {cells}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small runs only (CI)")
    args = parser.parse_args()
    with session() as s:
        print(HEADER, flush=True)
        rows = run(s, args.smoke)
    print(ratio_table(rows))


if __name__ == "__main__":
    main()
