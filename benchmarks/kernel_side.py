"""Code the benchmarks run inside the notebook's kernel.

- `Arrivals`: kernel-side arrival stamps (`time.time()`) keyed by event_id.
- `record_widget(w)`: stamps every event of a `RealtimeWidget` batch when the kernel has
  handled it. It is registered with `on_msg` after the widget's own handler, so the stamp
  is taken once the batch is in `w.conversation` (the kernel's log), not merely received.
- Three naive baselines built here, fed by the same emulator over their own WebRTC call in
  the same browser page: `PerMessageWidget` (one custom message per data channel event),
  `ListTraitWidget` (a synced List trait appended and saved per event) and
  `FrameListWidget` (the same List trait, appended per event but saved at most once per
  animation frame). They parse and forward and nothing else: no display, no reducer
  (everything the real widget does on top is to its disadvantage).

The baselines also answer a few control messages, none of them per event: `hello` when the
front end has initialized, `status` lines while a connect runs (and `connect_failed` with the
error when it fails: an async handler's exception is otherwise an unhandled rejection that
nobody sees), and `pong` to the kernel's `ping`, a round trip that proves the front end
still handles the kernel's messages and that everything sent before it has been handled.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from realtime_widget.minting import mint_client_secret

BENCH_PREFIX = "event_b"


def bench_tag(event_id: Any) -> str | None:
    """The flood tag of a bench event id (`event_b<tag>_<i>`), else None.

    The prefix alone is not enough: the emulator's own ids are `event_` and 21 base-62
    characters, so one in 62 starts with `event_b` too (a `session.created` taken for a
    bench event was never counted, and its connect timed out). Its ids have no second `_`.
    """
    if not isinstance(event_id, str) or not event_id.startswith(BENCH_PREFIX):
        return None
    tag, sep, index = event_id[len(BENCH_PREFIX) :].rpartition("_")
    return tag if sep and tag and index.isdigit() else None


class Arrivals:
    """Arrival stamps per flood tag. Comm messages may be handled while a probe runs (ipykernel
    7 runs them concurrently with an execution), so readers never iterate a dict that the
    handler is filling: they read one tag's length or swap it out."""

    def __init__(self) -> None:
        self.times: dict[str, dict[str, float]] = {}
        self.session_created: list[float] = []
        self.stamped = 0  # every bench event stamped, all tags (to see a backlog settle)

    def stamp(self, event: Any, t: float) -> None:
        if not isinstance(event, dict):
            return
        if event.get("type") == "session.created":
            self.session_created.append(t)
            return
        tag = bench_tag(event.get("event_id"))
        if tag is not None:
            bucket = self.times.get(tag)
            if bucket is None:
                bucket = self.times[tag] = {}
            bucket[event["event_id"]] = t
            self.stamped += 1

    def count(self, tag: str) -> int:
        return len(self.times.get(tag, ()))

    def dump(self, tag: str, path: str) -> int:
        """Write one tag's stamps as JSON and forget them (keeps the kernel's memory flat)."""
        chosen = self.times.pop(tag, {})
        Path(path).write_text(json.dumps(chosen), encoding="utf-8")
        return len(chosen)


def record_widget(widget: Any) -> Arrivals:
    arrivals = Arrivals()

    def on_msg(_widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "events":
            return
        t = time.time()
        for record in content.get("events") or ():
            if isinstance(record, dict):
                arrivals.stamp(record.get("event"), t)

    widget.on_msg(on_msg)
    return arrivals


# The baselines' browser side: the minimal WebRTC call every tutorial shows, then one of
# three naive ways to hand each event to the kernel. What is added to the tutorial's call
# (state reports, the error sent back, ping) runs only around a connect, never per event.
_ESM = r"""
async function call(info, onText, report) {
  const pc = new RTCPeerConnection();
  const channel = pc.createDataChannel("oai-events");
  channel.onmessage = (ev) => onText(ev.data);
  pc.addEventListener("connectionstatechange", () => report("pc " + pc.connectionState));
  pc.addEventListener("iceconnectionstatechange", () => report("ice " + pc.iceConnectionState));
  channel.addEventListener("open", () => report("channel open"));
  channel.addEventListener("close", () => report("channel closed"));
  try {
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    report("offer set, POST /v1/realtime/calls");
    const res = await fetch(info.base_url + "/v1/realtime/calls", {
      method: "POST", body: offer.sdp,
      headers: { Authorization: "Bearer " + info.secret, "Content-Type": "application/sdp" },
    });
    const answer = await res.text();
    if (!res.ok) {
      throw new Error(`POST /v1/realtime/calls answered ${res.status}: ${answer.slice(0, 300)}`);
    }
    report("answer " + res.status);
    await pc.setRemoteDescription({ type: "answer", sdp: answer });
    report("answer applied");
  } catch (err) {
    pc.close();
    throw err;
  }
  return pc;
}
export default {
  initialize({ model }) {
    let pc = null;
    let attempt = 0;
    const mode = model.get("mode");
    let pending = [];
    let scheduled = false;
    // list-trait/frame: what a user writes to stop re-sending the list per event.
    const flush = () => {
      scheduled = false;
      if (pending.length === 0) return;
      model.set("events", [...model.get("events"), ...pending]);
      pending = [];
      model.save_changes();
    };
    const onText = (text) => {
      const t = Date.now();
      let event;
      try { event = JSON.parse(text); } catch { return; }
      if (mode === "message") {
        model.send({ type: "event", t, event });
      } else if (mode === "frame") {
        pending.push({ t, event });
        if (!scheduled) { scheduled = true; requestAnimationFrame(flush); }
      } else {
        model.set("events", [...model.get("events"), { t, event }]);
        model.save_changes();
      }
    };
    const onCustom = async (msg) => {
      if (msg.type === "ping") {
        // After one macrotask: a state update sent before the ping is applied by then.
        await new Promise((resolve) => setTimeout(resolve, 0));
        flush();
        model.send({ type: "pong", id: msg.id });
      } else if (msg.type === "connect") {
        const mine = (attempt = msg.attempt);
        const report = (text) => model.send({ type: "status", attempt: mine, t: Date.now(), text });
        pc?.close();
        pc = null;
        try {
          const opened = await call(msg, onText, report);
          if (mine === attempt) pc = opened; else opened.close();
        } catch (err) {
          console.error("naive baseline: connect failed", err);
          const error = String((err && err.stack) || err);
          model.send({ type: "connect_failed", attempt: mine, error });
        }
      } else if (msg.type === "disconnect") {
        attempt += 1;
        pc?.close();
        pc = null;
      }
    };
    model.on("msg:custom", onCustom);
    model.send({ type: "hello", t: Date.now() });
    return () => { pc?.close(); model.off("msg:custom", onCustom); };
  },
  render({ model, el }) { el.textContent = "naive baseline: " + model.get("mode"); },
};
"""


class _Naive(anywidget.AnyWidget):  # type: ignore[misc]
    _esm = _ESM
    mode = traitlets.Unicode("message").tag(sync=True)

    def __init__(self, base_url: str, api_key: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._base_url = base_url
        self._api_key = api_key  # private: never a trait, never printed
        self.arrivals = Arrivals()
        self.created_at = time.time()
        self.hello_at: float | None = None  # kernel time of the front end's hello
        self.hello_page_t: float | None = None  # the page's Date.now() in it (ms)
        self.pongs: set[int] = set()
        self.attempt = 0
        self.reports: list[str] = []  # this connect attempt's status lines
        self.failure: str | None = None  # this attempt's error, as the page reported it
        self._sent_at = 0.0
        self.on_msg(self._on_msg)

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "event":  # the per-message baseline's hot path: checked first
            self.arrivals.stamp(content.get("event"), time.time())
        elif kind == "pong":
            self.pongs.add(int(content.get("id", -1)))
        elif kind == "hello":
            self.hello_at = time.time()
            self.hello_page_t = content.get("t")
        elif content.get("attempt") != self.attempt:
            return  # a report about an attempt given up already
        elif kind == "status":
            page_t = content.get("t")
            since = f"+{page_t / 1000 - self._sent_at:.3f} s " if page_t else ""
            self.reports.append(f"{since}{content.get('text')}")
        elif kind == "connect_failed":
            self.failure = str(content.get("error"))

    def connect(self) -> None:
        self.attempt += 1
        self.reports, self.failure = [], None
        session = {
            "type": "realtime",
            "model": "gpt-realtime",
            "audio": {"input": {"turn_detection": None}},
        }
        secret = mint_client_secret(self._api_key, self._base_url, session, 600)
        self._sent_at = time.time()
        # The secret travels only in this message, as with the real widget's rpc reply.
        self.send(
            {
                "type": "connect",
                "attempt": self.attempt,
                "secret": secret.value,
                "base_url": self._base_url,
            }
        )

    def disconnect(self) -> None:
        self.attempt += 1  # later reports belong to no attempt
        self.send({"type": "disconnect"})

    def ping(self, ping_id: int) -> None:
        self.send({"type": "ping", "id": ping_id})

    def connect_state(self) -> dict[str, Any]:
        """What the benchmark polls while a connect runs (JSON)."""
        return {
            "created": len(self.arrivals.session_created),
            "failure": self.failure,
            "reports": self.reports,
        }

    def diagnostics(self) -> dict[str, Any]:
        """Everything known about the front end, for an error message (JSON)."""
        hello = None if self.hello_at is None else round(self.hello_at - self.created_at, 3)
        page_t = self.hello_page_t
        # From this object's creation (kernel) to `initialize` in the page: one wall clock.
        init = None if not isinstance(page_t, int | float) else page_t / 1000 - self.created_at
        return {
            "class": type(self).__name__,
            "init_s": None if init is None else round(init, 3),
            "hello_after_s": hello,
            "pongs": len(self.pongs),
            "attempt": self.attempt,
            "reports": self.reports,
            "failure": self.failure,
            "session_created": len(self.arrivals.session_created),
        }

    def renew(self) -> _Naive:
        """A new instance (so a new front-end model) with the same arguments; closes this one."""
        fresh = type(self)(self._base_url, self._api_key)
        self.close()
        return fresh


class PerMessageWidget(_Naive):
    """Baseline 1: one custom message per data channel event."""

    def __init__(self, base_url: str, api_key: str) -> None:
        super().__init__(base_url, api_key, mode="message")


class ListTraitWidget(_Naive):
    """Baseline 2: a synced List trait, appended and saved per event (the whole list is
    re-sent; ipywidgets keeps one update in flight and coalesces the rest)."""

    events = traitlets.List().tag(sync=True)
    _MODE = "list"

    def __init__(self, base_url: str, api_key: str) -> None:
        super().__init__(base_url, api_key, mode=self._MODE)
        self._seen = 0
        self.observe(self._on_events, names="events")

    def _on_events(self, change: dict[str, Any]) -> None:
        t = time.time()
        new = change["new"]
        for record in new[self._seen :]:
            if isinstance(record, dict):
                self.arrivals.stamp(record.get("event"), t)
        self._seen = len(new)

    def reset(self) -> None:
        """Empty the list on both sides (between runs)."""
        self._seen = 0
        self.events = []


class FrameListWidget(ListTraitWidget):
    """Baseline 3: the same List trait, but the page appends each frame's events at once and
    saves at most once per `requestAnimationFrame` (the whole list still goes each time: the
    trait is the event log, which is why one picks a List trait)."""

    _MODE = "frame"
