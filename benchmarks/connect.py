"""Benchmark: connect time (Connect → session.created in the kernel) per mode, vs a plain page.

Three widgets, one per mode, each displayed in its own cell (benchmarks/_session.py) and
clicked in its own output area: "browser" (signaling="browser", sideband=False: the
baseline), "kernel" (signaling="kernel", sideband=False: the page hands its offer to the
kernel over the comm and the kernel posts it) and "sideband" (signaling="browser",
sideband=True), which is also timed to `sideband_state == "attached"` (stamped in the kernel
by a traitlets observer with time.time()).

The plain page is the tutorial pattern (benchmarks/pages/plain.html): fetch a client secret
from its own server, getUserMedia, RTCPeerConnection + "oai-events", POST the SDP, wait for
session.created. All run against the same emulator in the same browser, alternating.
Steps are timed by one script injected into both pages (benchmarks/pages/instrument.js),
which wraps fetch, getUserMedia, RTCPeerConnection and the data channel. Steps inside the
page are intervals of performance.now(); the one step that crosses into the kernel ("to
kernel") is the kernel's `time.time()` minus the page's `Date.now()` at session.created.

    .venv/bin/python benchmarks/connect.py [--smoke]

Target (issue 7): the widget within 1.2x of the plain page (the "browser" widget).
Issue 16: the modes as ratios to the "browser" widget, in the same run.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from _session import CONNECT_CELLS, Session, median, session

# (label, from mark, to mark); "kernel" is the kernel's arrival of session.created.
STEPS = [
    ("secret", "click", "gum_start"),
    ("getUserMedia", "gum_start", "gum_end"),
    ("offer", "gum_end", "offer_end"),
    ("POST SDP", "post_start", "post_end"),
    # Comparable across modes: browser signaling also waits here for its client secret.
    ("offer → answer", "offer_end", "answer_applied"),
    ("ICE", "answer_applied", "ice_connected"),
    ("channel open", "ice_connected", "channel_open"),
    ("session.created", "channel_open", "session_created_page"),
    ("to kernel", "session_created_page", "kernel"),
    ("sideband attached", "click", "attached"),
]
# With signaling="kernel" the page posts nothing: its "POST SDP" is from its offer set to the
# answer applied, i.e. the rpc to the kernel, the kernel's POST, the reply over the comm and
# setRemoteDescription (in browser signaling the step is the fetch alone).
KERNEL_POST = ("offer_end", "answer_applied")

# The widgets connect.py clicks (benchmarks/_session.py), by mode.
MODES = {"browser": "cw_browser", "kernel": "cw_kernel", "sideband": "cw_sideband"}
COLUMNS = ["browser", "kernel", "sideband", "plain"]

# Runs on the Connect button itself, so the click is marked right before it happens.
_CLICK = """(b) => {
  window.__rtBench.reset();
  window.__rtBench.mark('click');
  b.click();
}"""


def _state(w: str) -> str:
    return (
        f"dict(status={w}.status, error={w}.error, sideband={w}.sideband_state,"
        f" notices=[str(n)[:300] for n in {w}.notices[-3:]])"
    )


def _hang_up(s: Session, w: str) -> None:
    s.kernel.run(f"{w}.disconnect()")
    s.kernel.wait_for(
        f"{w}.status == 'idle' and {w}.sideband_state == 'off'", timeout=15, what=f"{w} idle"
    )


def _widget_once(s: Session, mode: str) -> dict[str, float]:
    """Click this mode's Connect, time it (and the sideband's attach), hang up. A connect
    that does not reach the kernel in 30 s is retried once, printing why (the widget's
    state, the last steps the page reached)."""
    w = MODES[mode]
    rec = f"cw_rec[{w!r}]"
    button = s.notebook.output_of(CONNECT_CELLS[w]).get_by_role(
        "button", name="Connect", exact=True
    )
    failures: list[str] = []
    while True:
        before = int(s.kernel.eval(f"len({rec}.session_created)"))
        attached_before = int(s.kernel.eval("len(cw_attached)"))
        button.evaluate(_CLICK)
        try:
            s.kernel.wait_for(
                f"len({rec}.session_created) > {before}", timeout=30, what="session.created"
            )
            if mode == "sideband":
                s.kernel.wait_for(
                    f"len(cw_attached) > {attached_before}", timeout=30, what="sideband attached"
                )
            break
        except TimeoutError as exc:
            reached: dict[str, float] = s.page.evaluate("() => window.__rtBench.marks")
            state = s.kernel.eval(_state(w))
            steps = sorted(reached, key=lambda k: reached[k])
            why = f"{exc}; w: {state}; page steps reached: {steps}"
            failures.append(why)
            if len(failures) == 2:
                raise RuntimeError(
                    "the widget did not connect in 2 attempts:\n  " + "\n  ".join(failures)
                ) from None
            print(f"[connect] {mode} connect failed, retrying once: {why}", flush=True)
            _hang_up(s, w)
    marks: dict[str, float] = s.page.evaluate("() => window.__rtBench.marks")
    wall: dict[str, float] = s.page.evaluate("() => window.__rtBench.wall")
    # The kernel's stamps, placed on the page's timeline: wall clock to wall clock.
    end = "session_created_page"
    kernel_wall_ms = float(s.kernel.eval(f"{rec}.session_created[-1]")) * 1000
    marks["kernel"] = marks[end] + (kernel_wall_ms - wall[end])
    if mode == "sideband":
        attached_wall_ms = float(s.kernel.eval("cw_attached[-1]")) * 1000
        marks["attached"] = marks[end] + (attached_wall_ms - wall[end])
    if mode == "kernel":
        marks["post_start"], marks["post_end"] = (marks[m] for m in KERNEL_POST)
    _hang_up(s, w)
    return marks


def _plain_once(s: Session, page: Any) -> dict[str, float]:
    page.evaluate(
        "async () => { window.__rtBench.reset(); window.__rtBench.mark('click');"
        " await window.startCall(); }"
    )
    marks: dict[str, float] = page.evaluate("() => window.__rtBench.marks")
    page.evaluate("() => window.hangUp()")
    return marks


def _steps(marks: dict[str, float], end: str) -> dict[str, float]:
    plain_secret = ("secret_start" in marks) and ("secret_end" in marks)
    out: dict[str, float] = {}
    for label, a, b in STEPS:
        if label == "secret" and plain_secret:
            a, b = "secret_start", "secret_end"
        if a in marks and b in marks:
            out[label] = marks[b] - marks[a]
    out["total"] = marks[end] - marks["click"]
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def run(s: Session, smoke: bool) -> dict[str, Any]:
    repeats = 2 if smoke else 7
    for w in MODES.values():  # every view drawn before the first click
        button = s.notebook.output_of(CONNECT_CELLS[w]).get_by_role("button", name="Connect")
        button.wait_for()
    page = s.new_page()
    page.goto(f"{s.pages_url}/plain.html?base={s.emulator.url}")
    rows: dict[str, list[dict[str, float]]] = {c: [] for c in COLUMNS}
    # The first round warms every path up and is not counted; the order reverses every
    # round so that every column's mean position is the same.
    for i in range(repeats + 1):
        for column in COLUMNS if i % 2 == 0 else COLUMNS[::-1]:
            if column == "plain":
                r = _steps(_plain_once(s, page), "session_created_page")
            else:
                r = _steps(_widget_once(s, column), "kernel")
            time.sleep(0.3)
            if i > 0:
                rows[column].append(r)
    page.context.close()

    def med(rs: list[dict[str, float]]) -> dict[str, float]:
        keys = [label for label, _, _ in STEPS] + ["total"]
        present = [k for k in keys if any(k in r for r in rs)]
        return {k: median([r[k] for r in rs if k in r]) for k in present}

    ms = {c: med(rows[c]) for c in COLUMNS}
    base = ms["browser"].get("total")
    return {
        "repeats": repeats,
        "ms": ms,
        "widget_ms": ms["browser"],
        "plain_ms": ms["plain"],
        "ratio": _ratio(base, ms["plain"].get("total")),
        "kernel_ratio": _ratio(ms["kernel"].get("total"), base),
        "sideband_ratio": _ratio(ms["sideband"].get("total"), base),
        "attached_ratio": _ratio(ms["sideband"].get("sideband attached"), base),
        "totals": {c: [round(r["total"], 1) for r in rows[c]] for c in COLUMNS},
    }


def _x(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "n/a"


def table(result: dict[str, Any]) -> str:
    ms = result["ms"]
    lines = [f"{'step (median ms)':<18}" + "".join(f" {c:>9}" for c in COLUMNS)]
    for label in [label for label, _, _ in STEPS] + ["total"]:
        values = [ms[c].get(label) for c in COLUMNS]
        cells = [f"{v:9.1f}" if v is not None else "" for v in values]
        lines.append(f"{label:<18}" + "".join(f" {c:>9}" for c in cells))
    lines += [
        "browser: signaling='browser', sideband=False (the baseline); kernel: signaling='kernel',",
        "sideband=False (its POST SDP: offer set -> answer applied, i.e. the page's rpc to the",
        "kernel, the kernel's POST, the reply and setRemoteDescription); sideband: signaling=",
        "'browser', sideband=True ('sideband attached': click -> sideband_state 'attached' in",
        "the kernel). 'offer → answer': offer set -> answer applied in every column (browser",
        "signaling waits there for its secret too). Steps leave gaps, so they do not sum to",
        "the total. Widget totals end at session.created in the kernel, plain's in its page.",
        f"ratio kernel/browser: {_x(result['kernel_ratio'])}",
        f"ratio sideband/browser (session.created): {_x(result['sideband_ratio'])}",
        f"ratio sideband-attached/browser session.created: {_x(result['attached_ratio'])}",
        f"ratio widget/plain: {_x(result['ratio'])} (browser widget; target <= 1.2x)",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="two connects each (CI)")
    args = parser.parse_args()
    with session() as s:
        result = run(s, args.smoke)
    print(table(result))
    print(json.dumps(result["totals"]))


if __name__ == "__main__":
    main()
