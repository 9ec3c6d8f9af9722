"""Facts about GPT-Live, OpenAI's second voice API, and which API a model name selects.

Source: the `openai` SDK 3.57 (`openai.types.live.SessionConfig.model` literals,
`openai.resources.live`), and ../shared/realtime-api.md section 10. GPT-Live is a different
protocol, not a new model name: the model picks the API (`api_of`).
"""

from __future__ import annotations

from typing import Final, Literal

Api = Literal["realtime", "live"]

#: GPT-Live models, as the SDK's `SessionConfig.model` literal lists them.
LIVE_MODELS: Final = ("gpt-live-1", "gpt-live-1.1")
#: The newest Live model: what `RealtimeWidget(api="live")` would pick.
DEFAULT_LIVE_MODEL: Final = "gpt-live-1.1"
#: WebRTC session creation (standard key only: GPT-Live has no ephemeral keys), and the
#: WebSocket path of `client.live.connect()`.
LIVE_SESSIONS_PATH: Final = "/v1/live/sessions"
#: The SDK's `BuiltInVoice` literal (`openai.types.live.built_in_voice`); any other name is a
#: custom voice id, sent as {"id": ...}.
LIVE_VOICES: Final = (
    "alloy",
    "ash",
    "ballad",
    "beacon",
    "bossa",
    "cedar",
    "cinder",
    "coral",
    "delta",
    "echo",
    "gleam",
    "marin",
    "meridian",
    "quartz",
    "ripple",
    "sage",
    "shida",
    "shimmer",
    "stone",
    "tempo",
    "verse",
    "vesper",
    "willow",
)
#: Live's default voice ("cannot change after startup").
DEFAULT_LIVE_VOICE: Final = "marin"


def api_of(model: str) -> Api:
    """The voice API a model name selects: "live" for the GPT-Live family, else "realtime".

    Dated snapshots (`gpt-live-1-2026-09-01`) follow their family.
    """
    name = model.strip()
    for live in LIVE_MODELS:
        if name == live or name.startswith(live + "-2"):
            return "live"
    return "realtime"
