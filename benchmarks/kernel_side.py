"""Code the benchmarks run inside the notebook's kernel.

- `Arrivals`: kernel-side arrival stamps (`time.time()`) keyed by event_id.
- `record_widget(w)`: stamps every event of a `RealtimeWidget` batch when the kernel has
  handled it. It is registered with `on_msg` after the widget's own handler, so the stamp
  is taken once the batch is in `w.conversation` (the kernel's log), not merely received.
- Two naive baselines built here, fed by the same emulator over their own WebRTC call in
  the same browser page: `PerMessageWidget` (one custom message per data channel event)
  and `ListTraitWidget` (a synced List trait appended per event). They parse and forward
  and nothing else: no display, no reducer (everything the real widget does on top is
  to its disadvantage).
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


class Arrivals:
    """Arrival stamps per flood tag. Comm messages may be handled while a probe runs (ipykernel
    7 runs them concurrently with an execution), so readers never iterate a dict that the
    handler is filling: they read one tag's length or swap it out."""

    def __init__(self) -> None:
        self.times: dict[str, dict[str, float]] = {}
        self.session_created: list[float] = []

    def stamp(self, event: Any, t: float) -> None:
        if not isinstance(event, dict):
            return
        event_id = event.get("event_id")
        if isinstance(event_id, str) and event_id.startswith(BENCH_PREFIX):
            tag = event_id[len(BENCH_PREFIX) :].rpartition("_")[0]
            bucket = self.times.get(tag)
            if bucket is None:
                bucket = self.times[tag] = {}
            bucket[event_id] = t
        elif event.get("type") == "session.created":
            self.session_created.append(t)

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
# two naive ways to hand each event to the kernel.
_ESM = r"""
async function call(info, onText) {
  const pc = new RTCPeerConnection();
  const channel = pc.createDataChannel("oai-events");
  channel.onmessage = (ev) => onText(ev.data);
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const res = await fetch(info.base_url + "/v1/realtime/calls", {
    method: "POST", body: offer.sdp,
    headers: { Authorization: "Bearer " + info.secret, "Content-Type": "application/sdp" },
  });
  await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
  return pc;
}
export default {
  initialize({ model }) {
    let pc = null;
    const mode = model.get("mode");
    const onText = (text) => {
      const t = Date.now();
      let event;
      try { event = JSON.parse(text); } catch { return; }
      if (mode === "message") {
        model.send({ type: "event", t, event });
      } else {
        model.set("events", [...model.get("events"), { t, event }]);
        model.save_changes();
      }
    };
    const onCustom = async (msg) => {
      if (msg.type === "connect") { pc?.close(); pc = await call(msg, onText); }
      else if (msg.type === "disconnect") { pc?.close(); pc = null; }
    };
    model.on("msg:custom", onCustom);
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

    def connect(self) -> None:
        session = {
            "type": "realtime",
            "model": "gpt-realtime",
            "audio": {"input": {"turn_detection": None}},
        }
        secret = mint_client_secret(self._api_key, self._base_url, session, 600)
        # The secret travels only in this message, as with the real widget's rpc reply.
        self.send({"type": "connect", "secret": secret.value, "base_url": self._base_url})

    def disconnect(self) -> None:
        self.send({"type": "disconnect"})


class PerMessageWidget(_Naive):
    """Baseline 1: one custom message per data channel event."""

    def __init__(self, base_url: str, api_key: str) -> None:
        super().__init__(base_url, api_key, mode="message")
        self.on_msg(self._on_msg)

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "event":
            self.arrivals.stamp(content.get("event"), time.time())


class ListTraitWidget(_Naive):
    """Baseline 2: a synced List trait, appended per event (the whole list is re-sent)."""

    events = traitlets.List().tag(sync=True)

    def __init__(self, base_url: str, api_key: str) -> None:
        super().__init__(base_url, api_key, mode="list")
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
