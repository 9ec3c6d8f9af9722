"""`SidebandPaths`: a browser call's transport with the kernel's sideband beside it.

It is the call core's `Transport` for the widget: the call itself (open, hang up,
interrupt, the media) stays the browser's (`primary`, the `BrowserLink`). Once the browser
reports the call's id, the kernel attaches a `Sideband` to it (when wanted); from then on:

- client events from Python (tool outputs, session updates, text, `send_event`) go over
  the sideband, so no browser tab, comm or throttled timer stands between a tool and the
  model; while it is not attached they go through the browser as before;
- server events come by both paths and are merged by `PathMerge`: each once, in the
  server's order, with the path that brought it first counted (`via`);
- if the sideband fails or drops, what it held is taken, client events go through the
  browser again, and the host is told (a notice under the widget) — the call goes on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .path_merge import Path, PathMerge, Taken
from .sideband import Record, Sideband, SidebandState
from .transport import CallHost, Transport

if TYPE_CHECKING:
    from .core import CallCore

log = logging.getLogger("realtime_widget")

#: How long the browser path may be quiet before sideband events are taken without its
#: copies (a loaded kernel or page can hold a healthy comm for half a second).
HOLD_S = 1.0


def _logged_via(path: Path) -> str:
    # The browser's data channel is the call's own path: the log names only the other.
    return "" if path == "browser" else path


class SidebandPaths:
    """See the module docstring. `attach(core)` after the core is built."""

    def __init__(
        self,
        primary: Transport,
        host: CallHost,
        make_sideband: Callable[..., Sideband] | None,
        *,
        on_state: Callable[[SidebandState, str], None] | None = None,
        on_sent: Callable[[dict[str, Any]], None] | None = None,
        hold_s: float = HOLD_S,
    ) -> None:
        self.primary = primary
        # Told of each event sent over the sideband: the browser must know it too, or a
        # server error naming it could not say what it was.
        self._on_sent = on_sent
        self._host = host
        self._core: CallCore | None = None
        self._on_state_cb = on_state
        self._hold_s = hold_s
        self._merge = PathMerge(hold_s)
        self._timer: asyncio.TimerHandle | None = None
        #: Whether to attach to each call (the widget's `sideband` argument and trait).
        self.wanted = make_sideband is not None
        #: Server events by the path that brought them first, over all calls.
        self.via: Counter[Path] = Counter()
        self.sideband: Sideband | None = (
            make_sideband(
                on_server=self._from_sideband,
                on_client=self._sent_by_sideband,
                on_state=self._on_state,
            )
            if make_sideband is not None
            else None
        )

    def attach(self, core: CallCore) -> None:
        self._core = core

    @property
    def core(self) -> CallCore:
        if self._core is None:
            raise RuntimeError("SidebandPaths.attach(core) was not called")
        return self._core

    @property
    def state(self) -> SidebandState:
        return self.sideband.state if self.sideband is not None else "off"

    # -- call.Transport -------------------------------------------------------------------

    def open(self) -> None:
        self.primary.open()

    def close(self) -> None:
        self.call_ended()
        self.primary.close()

    def send(self, event: dict[str, Any]) -> None:
        sideband = self.sideband
        if sideband is not None and sideband.attached:
            if self._on_sent is not None:  # first: the comm is the slower of the two paths
                self._on_sent(event)
            sideband.send(event)
        else:
            self.primary.send(event)

    def interrupt(self) -> None:
        # The browser knows what was heard (its playback); it must stop the voice itself.
        self.primary.interrupt()

    # -- what the paths bring -------------------------------------------------------------

    def from_browser(self, records: Sequence[Record]) -> None:
        """A batch from the browser's data channel (and the browser's own client events)."""
        self._deliver(self._merge.from_primary(records, time.monotonic()))

    def call_started(self, call_id: str) -> None:
        """The browser's call has this id: attach a sideband to it (when wanted)."""
        if self.sideband is None or not self.wanted or not call_id:
            return
        if self.sideband.call_id == call_id and self.sideband.state in ("attaching", "attached"):
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            # ipykernel handles comm messages on its loop; only plain scripts have none.
            log.info("no running event loop: the call goes without a sideband")
            return
        self.sideband.attach(call_id)

    def call_ended(self) -> None:
        """The call is over: detach, and take what the sideband still held."""
        if self.sideband is not None and self.sideband.state != "off":
            self.sideband.detach()
        self._take_held()

    def _from_sideband(self, records: list[Record]) -> None:
        self._deliver(self._merge.from_sideband(records, time.monotonic()))
        self._arm_timer()

    def _deliver(self, taken: list[Taken]) -> None:
        """To the core in order, one batch per run of the same path (the log keeps it)."""
        run: list[Record] = []
        run_via: Path = "browser"
        for t in taken:
            if t.record[1] == "server":
                self.via[t.via] += 1
            if t.via != run_via and run:
                self.core.receive(run, _logged_via(run_via))
                run = []
            run_via = t.via
            run.append(t.record)
        if run:
            self.core.receive(run, _logged_via(run_via))

    def _sent_by_sideband(self, records: list[Record]) -> None:
        self.core.receive(records, "sideband")

    def _take_held(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._deliver(self._merge.flush())

    def _arm_timer(self) -> None:
        due = self._merge.next_expiry()
        if due is None or self._timer is not None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, due - time.monotonic())
        self._timer = loop.call_later(delay, self._expire)

    def _expire(self) -> None:
        # Due may have moved on (the browser brought something since): expire takes only
        # what is due now, and the timer is armed again for the rest.
        self._timer = None
        try:
            self._deliver(self._merge.expire(time.monotonic()))
        finally:
            self._arm_timer()

    def _on_state(self, state: SidebandState, detail: str) -> None:
        if state in ("failed", "dropped"):
            self._take_held()
            what = "could not attach" if state == "failed" else "dropped"
            text = (
                f"The kernel's sideband to the call {what} ({detail}); tools and Python's "
                "events go through the browser instead."
            )
            log.warning("%s", text)
            self._host.notice(text, "warning")
        elif state == "attached":
            log.info("sideband attached to %s", self.sideband.call_id if self.sideband else "")
        if self._on_state_cb is not None:
            self._on_state_cb(state, detail)
