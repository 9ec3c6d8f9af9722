"""The widget's synced state, declared once: `WidgetTraits` (js/src/controller.ts's
`WidgetTraits` is its TypeScript twin; docs/architecture.md lists who writes each).

- Inputs: Python or a UI control writes, the browser reads; each goes through its
  `config.normalize_*` function (and the call core's checks, via `_check_input`).
- Reports: only the browser writes them; read-only in Python.
- `notices`: only the kernel writes it; the view shows it under the widget.
- Live figures: Python-only summaries of the conversation, never synced.
"""

from __future__ import annotations

from typing import Any, Final

import anywidget
import traitlets

from . import api_facts as facts
from . import config
from ._assets import static_module
from ._traits import Input, LiveFloat, LiveInt, Report

#: Notices kept for the view (the newest; older ones are in the kernel's log).
MAX_NOTICES: Final = 5

_STATUS_HINT = "the browser reports it; use w.connect() / w.disconnect() to change it"
_FIXED_HINT = "it is chosen when the widget is created; create a new RealtimeWidget(...)"


class WidgetTraits(anywidget.AnyWidget):
    """The traits of `RealtimeWidget` (behaviour is in the subclass)."""

    _esm = static_module("widget.js")
    _css = static_module("widget.css")

    # Inputs (Python or a UI control writes, the browser reads). Each is normalized by its
    # `config.normalize_*` function; a session field changes the running call at once.
    #: Realtime model ("gpt-realtime-2.1", …); a running call keeps its model.
    model = Input(config.normalize_model, facts.DEFAULT_MODEL).tag(sync=True)
    #: The model's voice (a built-in name or a custom "voice_…"); fixed once it has spoken.
    voice = Input(config.normalize_voice, facts.DEFAULT_VOICE).tag(sync=True)
    #: System instructions of the session.
    instructions = Input(config.normalize_instructions, facts.DEFAULT_INSTRUCTIONS).tag(sync=True)
    #: Turn detection object ({"type": "server_vad" | "semantic_vad", …}); None: push-to-talk.
    turn_detection = Input(
        config.normalize_turn_detection, {"type": "server_vad"}, allow_none=True
    ).tag(sync=True)
    #: Input transcription ({"model": …, options}); None: no transcript of your speech.
    transcription = Input(
        config.normalize_transcription,
        {"model": facts.DEFAULT_TRANSCRIPTION_MODEL},
        allow_none=True,
    ).tag(sync=True)
    #: Input noise reduction ("near_field" | "far_field" or {"type", "strength"}); None: off.
    noise_reduction = Input(config.normalize_noise_reduction, None, allow_none=True).tag(sync=True)
    #: ["audio"] (speech with its transcript) or ["text"].
    output_modalities = Input(config.normalize_output_modalities, ["audio"]).tag(sync=True)
    #: GA function tool schemas offered to the model (the `tool` decorator writes them).
    tool_specs = Input(config.normalize_tool_specs, []).tag(sync=True)
    #: gpt-realtime-2.x: `reasoning.effort` ("minimal" … "xhigh"; None: the server's default,
    #: low). Reasoning models only (api_facts.ModelInfo.reasoning).
    reasoning_effort = Input(config.normalize_reasoning_effort, None, allow_none=True).tag(
        sync=True
    )
    #: gpt-realtime-2.x: let the model call several tools in one response (None: default).
    parallel_tool_calls = Input(config.normalize_parallel_tool_calls, None, allow_none=True).tag(
        sync=True
    )
    #: Speed of the model's voice, 0.25–1.5 (None: normal). Changes between turns.
    speed = Input(config.normalize_speed, None, allow_none=True).tag(sync=True)
    #: OpenAI tracing: None (off), "auto", or {"workflow_name", "group_id", "metadata"}.
    tracing = Input(config.normalize_tracing, None, allow_none=True).tag(sync=True)
    #: The microphone track is disabled (the call stays up).
    muted = traitlets.Bool(False).tag(sync=True)
    #: The browser sends a batch of events at most this often (ms), or at `batch_max_events`.
    batch_interval_ms = Input(
        lambda v: config.normalize_int("batch_interval_ms", v, minimum=1, maximum=10_000),
        50,
    ).tag(sync=True)
    #: Events per batch before the browser sends it early.
    batch_max_events = Input(
        lambda v: config.normalize_int("batch_max_events", v, minimum=1, maximum=100_000),
        200,
    ).tag(sync=True)
    #: How long (ms) the browser waits for the call request (SDP POST; with
    #: signaling="kernel" the kernel's POST is held to it) and then for the connection to
    #: open (ICE, data channel, session.created) before it reports an error.
    call_timeout_ms = Input(
        lambda v: config.normalize_int("call_timeout_ms", v, minimum=100, maximum=300_000),
        15_000,
    ).tag(sync=True)
    #: Attach the kernel's sideband WebSocket to each call (tools and Python's events then
    #: reach the model without the browser); False: everything goes through the browser.
    #: Turning it off detaches at once; on, it attaches to the running call.
    sideband = traitlets.Bool(True).tag(sync=True)
    # Fixed at construction (Python sets them once; the browser reads them).
    #: Where the SDP offer goes (OpenAI or the emulator on 127.0.0.1): posted by the browser,
    #: or by the kernel with signaling="kernel".
    base_url = Report(facts.DEFAULT_BASE_URL, _FIXED_HINT).tag(sync=True)
    #: "openai", or "emulator" when no key was found (the view says it is offline).
    backend = Report("openai", _FIXED_HINT).tag(sync=True)
    #: Who posts the browser's SDP offer to `/v1/realtime/calls`: "browser" (with a
    #: short-lived client secret the kernel mints) or "kernel" (the page hands its offer to
    #: the kernel, which posts it with the API key: no client secret exists). The view reads
    #: it at each Connect; the kernel goes by the value it was created with.
    signaling = Report("browser", _FIXED_HINT).tag(sync=True)
    #: The voice API the model selects: "realtime" (the Realtime API) or "live" (GPT-Live,
    #: for `gpt-live-*` models). The view adapts to it; fixed for the widget's life.
    api = Report("realtime", _FIXED_HINT).tag(sync=True)
    #: The conversation's price table as the view prices usage with it (one source of truth;
    #: None is an unknown price). Written by Python only: assign `w.prices` to change it.
    price_table = traitlets.Dict().tag(sync=True)

    # Reports (the browser writes; read-only in Python).
    #: "idle" | "connecting" | "connected" | "closing" | "error", as the browser's call is.
    status = Report("idle", _STATUS_HINT).tag(sync=True)
    #: The browser's last connection error ("" when none); see also `notices`, `mint_error`.
    error = Report("", "the browser reports the last error; see also w.notices").tag(sync=True)
    #: The id of the browser's current call (the last segment of the SDP answer's Location,
    #: as the browser read it or the kernel relayed it), set with status "connected"; ""
    #: when none. The one place Python reads which call is live.
    call_id = Report("", "the browser reports the id of the current call").tag(sync=True)

    #: Where the kernel's sideband is (written by the kernel only): "off" | "attaching" |
    #: "attached" | "failed" | "dropped" (the last two also leave a notice saying why).
    sideband_state = traitlets.Unicode("off", read_only=True).tag(sync=True)
    #: What the kernel tells you under the widget (written by the kernel only): refused
    #: session updates, messages not sent, failed callbacks and tools. The newest
    #: `MAX_NOTICES`, oldest first, as {"id", "level", "text"}; the view's × dismisses one.
    notices: traitlets.List[dict[str, Any]] = traitlets.List(read_only=True).tag(sync=True)

    # Live summary of the conversation (Python-only, not synced: the view keeps its own
    # figures). Updated once per batch of events, so `observe` fires at most once per batch.
    #: Completed responses (model turns) so far.
    turns = LiveInt(0)
    #: Tokens of every response so far (input + output).
    total_tokens = LiveInt(0)
    #: Estimated USD so far (`w.cost()`); NaN when the model has no price.
    cost_usd = LiveFloat(0.0)
    #: Events in the log so far (server and client).
    event_count = LiveInt(0)
