"""The session settings of a conversation, and the `session.update`s of the running call.

One owner for both: what the next call starts with (`settings`), what the running call was
started with (the snapshot minted into its client secret), which updates are unanswered,
and what to restore when the server refuses one. No I/O: the call core sends what this
returns.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from realtime_widget import config
from realtime_widget.protocols import SessionReply, VoiceProtocol
from realtime_widget.session_control import Rejected, SessionControl, changed_fields

JSON = dict[str, Any]


def _as_json(value: Any) -> Any:
    # Tuples become lists, as they arrive from the server and the browser.
    return json.loads(json.dumps(value))


class LiveSettings:
    """Session inputs (normalized), and the live session's view of them."""

    def __init__(self, settings: config.SessionSettings, protocol: VoiceProtocol) -> None:
        self.protocol = protocol
        # Every input is kept (the widget has a trait for each), but only the protocol's
        # own fields ever reach a running session (`pending_update`).
        self._values: JSON = {
            name: _as_json(getattr(settings, name)) for name in config.SESSION_FIELDS
        }
        self._sent_fields = frozenset(protocol.session_fields)
        self._control: SessionControl | None = None
        self._minted: JSON | None = None
        #: The last session change the server refused (its values were rolled back).
        self.session_error: Rejected | None = None

    @property
    def values(self) -> JSON:
        """Field → value (JSON form), a copy."""
        return copy.deepcopy(self._values)

    def settings(self) -> config.SessionSettings:
        """What the next call starts with."""
        values = self.values
        values["output_modalities"] = tuple(values["output_modalities"])
        values["tool_specs"] = tuple(values["tool_specs"])
        return config.SessionSettings(**values)

    def check(self, changes: Mapping[str, Any], *, voice_locked: bool) -> None:
        """Raise ValueError when `changes` (normalized) cannot apply: cross-field rules
        (reasoning fields need a reasoning model) and the voice lock of a call in which
        the model has spoken."""
        config.check_settings(dataclasses.replace(self.settings(), **dict(changes)))
        voice = changes.get("voice", self._values["voice"])
        if voice_locked and voice != self._values["voice"]:
            raise ValueError(
                f"voice cannot change to {voice!r}: the model has already spoken in this "
                f"session, and the API then keeps the voice ({self._values['voice']!r}). "
                "Disconnect, set the voice, and connect again."
            )

    def set(self, changes: Mapping[str, Any]) -> None:
        """Take checked, normalized values."""
        for name, value in changes.items():
            if name not in self._values:
                raise KeyError(f"{name!r} is not a session field")
            self._values[name] = _as_json(value)

    # -- the running call -----------------------------------------------------------------

    def for_new_call(self) -> tuple[JSON, JSON]:
        """The session payload a new call starts with, and the snapshot to `minted()`."""
        return self.protocol.build_session(self.settings()), self.values

    def minted(self, snapshot: Mapping[str, Any]) -> None:
        """A call will start with `snapshot` (it is in its client secret)."""
        self._minted = copy.deepcopy(dict(snapshot))

    def call_started(self) -> JSON | None:
        """The call is live: the update for whatever changed since it was set up."""
        self._control = SessionControl(self._minted if self._minted else self._values)
        self._minted = None
        return self.pending_update()

    def call_ended(self) -> None:
        self._control = None

    @property
    def live(self) -> bool:
        return self._control is not None

    def pending_update(self) -> JSON | None:
        """One session change with every updatable field that differs from what the call
        will use (None when nothing differs or no call runs); recorded as in flight."""
        control = self._control
        if control is None:
            return None
        changes = changed_fields(
            self._values,
            control.expected(),
            skip=self.protocol.not_updatable | (frozenset(self._values) - self._sent_fields),
        )
        if not changes:
            return None
        event = self.protocol.session_update(changes)
        control.sent(event["event_id"], changes)
        return event

    def on_reply(self, reply: SessionReply) -> Rejected | None:
        """Confirm the oldest update, or roll back a refused one (returned)."""
        control = self._control
        if control is None:
            return None
        if reply.kind == "confirmed":
            control.confirmed()
            return None
        if reply.event_id is None:
            return None
        rejected = control.rejected(reply.event_id, reply.message, reply.code)
        if rejected is None:
            return None
        self.session_error = rejected
        self.set(rejected.rollback)
        return rejected
