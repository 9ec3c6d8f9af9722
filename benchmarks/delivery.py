"""Benchmark: event delivery emulator → Chromium → kernel, in a real JupyterLab.

Send times: the emulator's `time.time()` (network source, kept there by event_id) or the
page's `Date.now()` (in-page source); arrival: the kernel's `time.time()` once the event is
handled (for the widget: after the batch is in `w.conversation`). One machine, one wall
clock. Four receivers in the same page, one connected at a time, each on its own call from
the same emulator:

- widget           : RealtimeWidget (batches: `batch_interval_ms`, `batch_max_events`)
- per-message      : naive AnyWidget, one custom message per event
- list-trait       : naive AnyWidget, a synced List trait appended and saved per event
- list-trait/frame : the same List trait, appended per event, saved at most once per
                     animation frame (what a user writes once per-event saves are slow)

`max` runs send as fast as the receiver takes them; `paced` runs send at a fixed rate. The
comparison is a curve (CURVE_SIZES events, in-page source, as fast as possible), every
receiver at every size in the same run, in alternating order (ABCD, DCBA, ...).

Before each connect the previous receiver is drained (a ping/pong round trip through its
front end, the emulator's call gone) and a naive receiver is checked to still handle the
kernel's messages (else it is rebuilt, saying why); a failed or timed-out connect is retried
once, printing why, and raises with the collected diagnostics if the retry fails too. Each
run starts after a full garbage collection in the page and the kernel, and a List trait is
emptied after its run, so no run pays for the one before.

    .venv/bin/python benchmarks/delivery.py [--smoke] [--only RECEIVER ...]

Targets (issue 7): >= 25,000 events/s sustained; p95 < 100 ms at <= 200 events/s;
>= 50x the naive List trait at 5,000 events.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from dataclasses import asdict, dataclass
from typing import Any

from _session import KernelError, Session, median, percentile, session
from bench_emulator import preamble
from playwright.sync_api import Page

IN_PAGE_CHUNK = 500  # events dispatched per task before yielding to the event loop
CONNECT_TIMEOUT_S = 30.0
CURVE_SIZES = (1_000, 2_000, 5_000, 10_000)

RECEIVERS = {
    "widget": ("w", "rec"),
    "per-message": ("naive_msg", "naive_msg.arrivals"),
    "list-trait": ("naive_list", "naive_list.arrivals"),
    "list-trait/frame": ("naive_frame", "naive_frame.arrivals"),
}
BASELINES = ("per-message", "list-trait", "list-trait/frame")
LISTS = ("list-trait", "list-trait/frame")

_ping_ids = itertools.count(1)


@dataclass
class Run:
    receiver: str
    source: str  # "network" (emulator over WebRTC) or "in-page" (dispatched on the channel)
    pacing: str  # "max" or "<rate>/s"
    n: int
    delivered: int
    seconds: float  # first send -> last kernel arrival
    events_per_s: float
    source_per_s: float  # how fast the sender managed to send
    p50_ms: float
    p95_ms: float
    max_ms: float
    note: str = ""
    curve: bool = False  # part of the widget-vs-baselines curve


# (receiver, source, n, rate, curve); rate 0 = as fast as possible
Step = tuple[str, str, int, float, bool]


def curve_plan(sizes: tuple[int, ...]) -> list[Step]:
    """Every receiver at every size, in-page, as fast as possible; the order alternates
    (ABCD, DCBA, ...) so that no receiver always runs first or last."""
    steps: list[Step] = []
    for i, n in enumerate(sizes):
        order = list(RECEIVERS) if i % 2 == 0 else list(RECEIVERS)[::-1]
        steps += [(receiver, "in-page", n, 0, True) for receiver in order]
    return steps


def plan(smoke: bool) -> list[Step]:
    """The runs in order; consecutive steps of one receiver share its connection.

    The curve comes first, in a fresh page and kernel (before the widget's 100,000-event run
    fills both). The network source (the emulator's aiortc data channel) tops out near
    2,000 events/s on this machine (see RESULTS.md), so capacity above that is measured with
    the in-page source; realistic rates (<= 200 events/s) use the network.
    """
    if smoke:  # each receiver once with few events, each source; one connect per receiver
        return [
            ("widget", "network", 200, 0, False),
            ("widget", "network", 100, 200, False),
            ("widget", "in-page", 300, 0, True),
            ("per-message", "in-page", 300, 0, True),
            ("per-message", "network", 100, 200, False),
            ("list-trait", "in-page", 300, 0, True),
            ("list-trait/frame", "in-page", 300, 0, True),
        ]
    return [
        *curve_plan(CURVE_SIZES),
        ("widget", "network", 1_000, 0, False),
        ("widget", "network", 10_000, 0, False),
        ("widget", "network", 2_000, 200, False),
        ("widget", "in-page", 100_000, 0, False),
        ("per-message", "network", 2_000, 200, False),
        ("list-trait", "network", 1_000, 200, False),
        ("list-trait/frame", "network", 1_000, 200, False),
    ]


# --------------------------------------------------------------------------- connect


class ConnectError(RuntimeError):
    pass


def _page_problems(s: Session) -> list[str]:
    """The notebook page's uncaught errors, console errors and failed requests."""
    s.page.wait_for_timeout(50)  # the sync API delivers queued page events during a call
    p = s.problems
    return [*p.page_errors, *p.console_errors, *p.failed_requests]


def _ping(s: Session, receiver: str, timeout: float) -> bool:
    """A round trip kernel → the naive receiver's front end → kernel. True when it came back:
    the front end handles the kernel's messages, has applied everything the kernel sent
    before the ping, and the kernel has handled everything the page sent before the pong."""
    obj, _ = RECEIVERS[receiver]
    ping_id = next(_ping_ids)
    s.kernel.run(f"{obj}.ping({ping_id})")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if s.kernel.eval(f"{ping_id} in {obj}.pongs"):
            return True
        time.sleep(0.1)
    return False


# ipywidgets' throttle in the page (private fields, read for diagnostics only): a model keeps
# one state update in flight and buffers the next until the kernel's idle status for the
# first comes back.
_THROTTLE = """async (modelId) => {
  try {
    const nb = window.jupyterapp.shell.currentWidget.content;
    for (const cell of nb.widgets) {
      for (const out of (cell.outputArea ? cell.outputArea.widgets : [])) {
        for (const r of (out.widgets || [])) {
          if (!r._manager || !r._manager.promise) continue;
          const m = await (await r._manager.promise).get_model(modelId);
          const buffered = m._msg_buffer && m._msg_buffer.events;
          return { pending: m._pending_msgs, buffered: buffered ? buffered.length : null };
        }
      }
    }
    return { error: "no widget manager found" };
  } catch (err) { return { error: String(err) }; }
}"""


def _throttle(s: Session, receiver: str) -> str:
    """A List-trait receiver's update throttle in the page, in words."""
    obj, _ = RECEIVERS[receiver]
    state = s.page.evaluate(_THROTTLE, s.kernel.eval(f"{obj}.model_id"))
    if "error" in state:
        return f"page throttle unknown ({state['error']})"
    if state["pending"] and state["buffered"] is not None:
        return (
            f"the page holds {state['buffered']:,} events behind an update the kernel's "
            "idle status never released (ipywidgets' one-in-flight throttle)"
        )
    return f"page throttle: {state['pending']} update(s) in flight, none buffered"


def _renew(s: Session, receiver: str, why: str) -> None:
    """Replace a naive receiver by a new instance (a new front-end model)."""
    obj, _ = RECEIVERS[receiver]
    print(f"[delivery] {receiver}: {why}: building a new one", flush=True)
    s.kernel.run(f"{obj} = {obj}.renew()")
    s.kernel.wait_for(f"{obj}.hello_at is not None", timeout=30, what=f"{obj} hello")


def _ensure_alive(s: Session, receiver: str) -> None:
    """A naive receiver whose front end drops the kernel's messages is rebuilt.

    anywidget 0.11 gives a model 2 s from its creation to load its ESM and run
    `initialize`; past that its `ready` promise is rejected and the model silently drops
    every message from the kernel from then on (the view still renders). On a loaded machine
    the models created while JupyterLab opens the notebook can miss that limit. A model that
    initialized in time and is only slow to answer (a busy page) is waited for instead.
    """
    if _ping(s, receiver, timeout=10):
        return
    obj, _ = RECEIVERS[receiver]
    info = s.kernel.eval(f"{obj}.diagnostics()")
    init_s = info["init_s"]  # an upper bound of the page's time to initialize
    if init_s is not None and init_s < 2.0:
        print(
            f"[delivery] {receiver}: no pong in 10 s, but it initialized in {init_s} s (in "
            "time): the page is busy; waiting up to 60 s more",
            flush=True,
        )
        if _ping(s, receiver, timeout=60):
            return
        raise ConnectError(
            f"{receiver}: its front end answers no ping in 70 s: "
            f"{s.kernel.eval(f'{obj}.diagnostics()')}; page: {_page_problems(s)[-10:]}"
        )
    _renew(
        s,
        receiver,
        f"its front end did not answer a ping in 10 s and initialized "
        f"{'never' if init_s is None else f'{init_s} s'} after the model was created "
        "(anywidget gives a model 2 s, then drops the kernel's messages)",
    )
    if not _ping(s, receiver, timeout=10):
        info = s.kernel.eval(f"{obj}.diagnostics()")
        raise ConnectError(
            f"{receiver}: a new front-end model does not answer pings either: {info}; "
            f"page: {_page_problems(s)[-10:]}"
        )


def _try_connect(s: Session, receiver: str) -> tuple[str | None, str | None, bool]:
    """One attempt: (call_id or None, None, _) on success, (None, why, page saw
    session.created) on failure."""
    obj, arrivals = RECEIVERS[receiver]
    before = int(s.kernel.eval(f"len({arrivals}.session_created)"))
    s.page.evaluate("() => window.__rtBench.reset()")  # instrument.js marks, for diagnostics
    try:
        s.kernel.run(f"{obj}.connect()")
    except KernelError as exc:
        return None, f"{obj}.connect() failed in the kernel: {exc}", False
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        if receiver == "widget":
            state = s.kernel.eval(
                f"dict(created=len({arrivals}.session_created), status=w.status, "
                "error=w.error, call_id=w.call_id)"
            )
            if state["created"] > before and state["status"] == "connected":
                return str(state["call_id"]), None, True
        else:
            state = s.kernel.eval(f"{obj}.connect_state()")
            if state["created"] > before:
                return None, None, True
            if state["failure"]:
                why = f"the page reported: {state['failure']} (steps: {state['reports'] or '-'})"
                return None, why, False
        time.sleep(0.25)
    if receiver == "widget":
        notices = s.kernel.eval("[n.get('message', n) for n in w.notices[-3:]]")
        why = f"w.status={state.get('status')!r}, w.error={state.get('error')!r}, notices {notices}"
    else:
        steps = state.get("reports") or "none (the page never handled the connect message)"
        why = f"the receiver's steps: {steps}"
        if receiver in LISTS:
            why += f"; {_throttle(s, receiver)}"
    marks: dict[str, float] = s.page.evaluate("() => window.__rtBench.marks")
    reached = sorted(marks, key=lambda k: marks[k])
    return (
        None,
        (
            f"no session.created in the kernel after {CONNECT_TIMEOUT_S:g} s; {why}; "
            f"the page's WebRTC steps (instrument.js): {reached or 'none'}"
        ),
        "session_created_page" in marks,
    )


def _connect(s: Session, receiver: str) -> str | None:
    """Connect one receiver; retried once. Returns the widget's call_id (None for the naive
    receivers: the emulator floods its newest active call)."""
    if receiver != "widget":
        _ensure_alive(s, receiver)
    problems_before = len(_page_problems(s))
    failures: list[str] = []
    for attempt in (1, 2):
        call_id, why, page_saw_created = _try_connect(s, receiver)
        if why is None:
            return call_id
        failures.append(f"attempt {attempt}: {why}")
        print(f"[delivery] {receiver}: connect attempt {attempt} failed: {why}", flush=True)
        _disconnect(s, receiver)
        _settle(s, receiver)
        if attempt == 2:
            break
        if receiver in LISTS and page_saw_created:
            # The event reached the page but its list update never reached the kernel.
            _renew(s, receiver, "its list updates do not reach the kernel")
        if receiver != "widget":
            _ensure_alive(s, receiver)
    obj, _ = RECEIVERS[receiver]
    info = s.kernel.eval("w.status" if receiver == "widget" else f"{obj}.diagnostics()")
    page = _page_problems(s)
    raise ConnectError(
        f"{receiver} did not connect in 2 attempts:\n  "
        + "\n  ".join(failures)
        + f"\n  receiver: {info}"
        + f"\n  page errors ({len(page)}, {problems_before} before this connect): {page[-10:]}"
    )


def _disconnect(s: Session, receiver: str) -> None:
    obj, _ = RECEIVERS[receiver]
    s.kernel.run(f"{obj}.disconnect()")


def _settle(s: Session, receiver: str, timeout: float = 120.0) -> None:
    """Wait for a disconnected receiver's backlog to drain and its call to be gone."""
    _, arrivals = RECEIVERS[receiver]
    deadline = time.monotonic() + timeout
    if receiver == "widget":
        s.kernel.wait_for("w.status == 'idle'", timeout=15, what="w idle")
    elif not _ping(s, receiver, timeout=timeout):
        print(f"[delivery] {receiver}: no pong in {timeout:g} s after the disconnect", flush=True)
    # Nothing more arriving from it (a backlog still being handled would keep counting).
    last = s.kernel.eval(f"{arrivals}.stamped")
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = s.kernel.eval(f"{arrivals}.stamped")
        if now == last:
            break
        last = now
    # The emulator has closed the call (the browser closed its side).
    limit = time.monotonic() + 10
    while (active := s.emulator.active_calls()) and time.monotonic() < limit:
        time.sleep(0.1)
    if active:
        print(f"[delivery] {receiver}: emulator calls still active after 10 s: {active}")


# --------------------------------------------------------------------------- one run


def inject_in_page(page: Page, tag: str, n: int) -> dict[str, Any]:
    """Dispatch `n` bench deltas on the page's open data channel (instrument.js); their send
    times (s) and how long sending took."""
    result = page.evaluate(
        "([tag, n, pre, chunk]) => window.__rtBench.inject(tag, n, pre, chunk)",
        [tag, n, preamble(tag), IN_PAGE_CHUNK],
    )
    taken = page.evaluate("(tag) => window.__rtBench.takeSent(tag)", tag)
    return {
        "done": True,
        "sent": {k: v / 1000 for k, v in taken.items()},  # Date.now() ms -> s
        "send_s": result["send_ms"] / 1000,
    }


def one_run(s: Session, step: Step, call_id: str | None, tag: str) -> Run:
    receiver, source, n, rate, _ = step
    _, arrivals = RECEIVERS[receiver]
    sent: dict[str, Any] = {}
    if source == "network":
        s.emulator.flood(tag, n, rate, call_id)
    else:
        sent = inject_in_page(s.page, tag, n)
    # Generous: the naive baselines are expected to be slow, but never wait forever. After a
    # long in-page run the per-event List trait's page holds its last update until the
    # kernel's idle status for the previous one gets through (ipywidgets' throttle), which
    # has taken over 45 s at 10,000 events here.
    stall_limit = 120.0
    last_count, last_change = -1, time.monotonic()
    while True:
        time.sleep(0.5)
        count = int(s.kernel.eval(f"{arrivals}.count({tag!r})", timeout=300))
        if not sent.get("done"):
            sent = s.emulator.sent(tag)
        if sent.get("done") and count >= n:
            break
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > stall_limit:
            break
    if not sent.get("done"):
        raise RuntimeError(f"the emulator did not finish sending {tag}: {sent.get('error')}")
    throttle = _throttle(s, receiver) if count < n and receiver in LISTS else ""
    path = s.tmp / f"arrivals-{tag}.json"
    s.kernel.eval(f"{arrivals}.dump({tag!r}, {str(path)!r})", timeout=300)
    arrived: dict[str, float] = json.loads(path.read_text(encoding="utf-8"))
    note = "" if len(arrived) == n else f"only {len(arrived)} of {n} arrived (stalled)"
    if note and throttle:
        note += f": {throttle}"
    return measured(step, sent, arrived, note)


def measured(step: Step, sent: dict[str, Any], arrived: dict[str, float], note: str) -> Run:
    """A run's figures from its send times (`sent["sent"]`, `sent["send_s"]`) and the
    kernel's arrival stamps, both by event_id (shared with delivery_hosts.py)."""
    receiver, source, n, rate, curve = step
    sent_at: dict[str, float] = sent["sent"]
    delays = [(arrived[k] - sent_at[k]) * 1000 for k in arrived if k in sent_at]
    first = min(sent_at.values())
    span = (max(arrived.values()) - first) if arrived else float("nan")
    return Run(
        receiver=receiver,
        source=source,
        pacing="max" if rate == 0 else f"{rate:g}/s",
        n=n,
        delivered=len(arrived),
        seconds=span,
        events_per_s=len(arrived) / span if arrived else 0.0,
        source_per_s=n / sent["send_s"] if sent.get("send_s") else float("nan"),
        p50_ms=median(delays) if delays else float("nan"),
        p95_ms=percentile(delays, 95) if delays else float("nan"),
        max_ms=max(delays) if delays else float("nan"),
        note=note,
        curve=curve,
    )


def _fresh_heap(s: Session) -> None:
    """A full garbage collection in the page and in the kernel before each run, so that no
    run pays for the garbage of the one before (a 2,000-event per-message run leaves the
    page 1.5-2.5 s of collection, which cut the widget run after it to a third)."""
    s.page.evaluate("() => window.gc && window.gc()")  # --js-flags=--expose-gc (_session)
    s.kernel.run("import gc as _bench_gc; _bench_gc.collect()")


def _empty_list(s: Session, receiver: str) -> None:
    obj, _ = RECEIVERS[receiver]
    s.kernel.run(f"{obj}.reset()")
    _ping(s, receiver, timeout=30)  # the empty list is in the page by then


def run(s: Session, smoke: bool, receivers: tuple[str, ...] = tuple(RECEIVERS)) -> list[Run]:
    runs: list[Run] = []
    current: str | None = None
    call_id: str | None = None
    for index, step in enumerate(plan(smoke)):
        receiver = step[0]
        if receiver not in receivers:
            continue
        if receiver != current:
            if current is not None:
                _disconnect(s, current)
                _settle(s, current)
            call_id = _connect(s, receiver)
            current = receiver
        if receiver in LISTS:
            _empty_list(s, receiver)
        _fresh_heap(s)
        result = one_run(s, step, call_id, tag=str(index))
        print(format_row(result), flush=True)
        runs.append(result)
        if receiver in LISTS and result.delivered < result.n:
            # Its model will not send again (see the note): the next run gets a new one.
            _disconnect(s, receiver)
            _settle(s, receiver)
            _renew(s, receiver, "it stalled")
            current = None
        elif receiver in LISTS:
            _empty_list(s, receiver)  # its lists do not stay in the page for the next runs
        time.sleep(0.3)  # the barriers above (drain, empty lists, GC) do the real settling
    if current is not None:
        _disconnect(s, current)
        _settle(s, current)
    return runs


# --------------------------------------------------------------------------- reporting

HEADER = (
    f"{'receiver':<16} {'source':<8} {'pacing':>7} {'events':>8} {'arrived':>8} "
    f"{'events/s':>10} {'source/s':>10} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}"
)


def format_row(r: Run) -> str:
    return (
        f"{r.receiver:<16} {r.source:<8} {r.pacing:>7} {r.n:>8,} {r.delivered:>8,} "
        f"{r.events_per_s:>10,.0f} "
        f"{r.source_per_s:>10,.0f} {r.p50_ms:>9.1f} {r.p95_ms:>9.1f} {r.max_ms:>9.1f}"
        + (f"  {r.note}" if r.note else "")
    )


def curve(runs: list[Run]) -> list[dict[str, Any]]:
    """Per curve size: events/s of each receiver, widget ÷ each baseline, the order run."""
    sizes: dict[int, list[Run]] = {}
    for r in runs:
        if r.curve:
            sizes.setdefault(r.n, []).append(r)
    rows = []
    for n, group in sorted(sizes.items()):
        rate = {r.receiver: r.events_per_s for r in group}
        complete = {r.receiver: r.delivered == r.n for r in group}
        widget = rate.get("widget")
        ratio = {
            b: (widget / rate[b] if widget and rate.get(b) else None)
            for b in BASELINES
            if b in rate
        }
        rows.append(
            {
                "n": n,
                "events_per_s": rate,
                "complete": complete,
                "ratio": ratio,
                "order": [r.receiver for r in group],
            }
        )
    return rows


def curve_table(rows: list[dict[str, Any]]) -> str:
    """events/s per receiver, then widget ÷ each baseline, one line per size."""
    names = list(RECEIVERS)
    head = f"{'events':>7} " + " ".join(f"{n:>16}" for n in names)
    head += "   " + " ".join(f"{'widget ÷ ' + b:>26}" for b in BASELINES)
    lines = [head]
    for row in rows:
        cells = []
        for name in names:
            v = row["events_per_s"].get(name)
            mark = "" if row["complete"].get(name, True) else "*"
            cells.append(f"{'-' if v is None else f'{v:,.0f}{mark}':>16}")
        ratios = []
        for b in BASELINES:
            x = row["ratio"].get(b)
            ratios.append(f"{'-' if x is None else f'{x:.1f}x':>26}")
        lines.append(f"{row['n']:>7,} " + " ".join(cells) + "   " + " ".join(ratios))
    lines.append("order run, per size (ABCD, DCBA, ...):")
    for row in rows:
        lines.append(f"  {row['n']:>7,}: " + " → ".join(row["order"]))
    if any(not all(r["complete"].values()) for r in rows):
        lines.append("* not every event arrived (stalled): events/s of those that did")
    return "\n".join(lines)


def summary(runs: list[Run]) -> dict[str, Any]:
    """The figures the targets are about (None where the run was not part of this plan)."""
    widget_max = [
        r for r in runs if r.receiver == "widget" and r.pacing == "max" and r.source == "in-page"
    ]
    sustained = max(widget_max, key=lambda r: r.n) if widget_max else None
    paced = [r for r in runs if r.receiver == "widget" and r.pacing != "max"]
    network = [r for r in runs if r.source == "network" and r.pacing == "max"]
    rows = curve(runs)
    with_list = [row for row in rows if row["ratio"].get("list-trait") is not None]
    # The target is at 5,000 events; a plan without that size uses its largest.
    ref = next(
        (row for row in with_list if row["n"] == 5_000), with_list[-1] if with_list else None
    )
    return {
        "sustained_events_per_s": sustained.events_per_s if sustained else None,
        "sustained_n": sustained.n if sustained else None,
        "paced_p95_ms": paced[0].p95_ms if paced else None,
        "paced_rate": paced[0].pacing if paced else None,
        "vs_list_ratio": ref["ratio"]["list-trait"] if ref else None,
        "vs_list_n": ref["n"] if ref else None,
        "network_source_per_s": max((r.source_per_s for r in network), default=None),
        "curve": rows,
        "runs": [asdict(r) for r in runs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small runs only (CI)")
    parser.add_argument(
        "--only", choices=tuple(RECEIVERS), action="append", help="run only this receiver"
    )
    args = parser.parse_args()
    with session() as s:
        print(HEADER)
        runs = run(s, args.smoke, tuple(args.only or RECEIVERS))
    result = summary(runs)
    print(curve_table(result["curve"]))
    print(json.dumps({k: v for k, v in result.items() if k not in ("runs", "curve")}, indent=1))


if __name__ == "__main__":
    main()
