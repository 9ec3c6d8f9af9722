"""The protocol of a voice API by name (the model picks the API: `live_facts.api_of`)."""

from __future__ import annotations

import warnings

from realtime_widget.config import SessionSettings
from realtime_widget.live_facts import Api

from .base import VoiceProtocol
from .realtime import REALTIME


def protocol_for(api: Api, *, delegation: object = None) -> VoiceProtocol:
    """The protocol of `api`; `delegation` is GPT-Live's (who handles delegated tasks),
    refused for the Realtime API, which has none."""
    if api == "live":
        # Imported when asked for: a Realtime conversation never loads the Live modules.
        from .live import LIVE

        return LIVE.configured(delegation=delegation) if delegation is not None else LIVE
    if delegation is not None:
        raise ValueError(
            "delegation is a GPT-Live setting (who handles the tasks the Live model "
            "delegates); this is a Realtime API model: use a gpt-live-* model, or leave "
            "delegation out and give the model tools with @tool"
        )
    return REALTIME


def warn_ignored(protocol: VoiceProtocol, settings: SessionSettings, what: str) -> None:
    """One warning for the settings given to `what` that this API has no place for."""
    ignored = [i for i in protocol.ignored_settings(settings) if i.field != "tool_specs"]
    if ignored:
        lines = "; ".join(f"{i.field}={i.value!r}: {i.reason}" for i in ignored)
        warnings.warn(
            f"{what} uses GPT-Live, which ignores {len(ignored)} of the settings given: {lines}",
            UserWarning,
            stacklevel=3,
        )
