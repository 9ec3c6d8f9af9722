"""The emulator's GPT-Live engine and fronts (OpenAI's second voice API), beside the
Realtime one: one engine per API, several fronts, faults as middleware.

Fronts (`http.py`, `fronts.py`): `POST /v1/live/sessions` (WebRTC: JSON
`{session, transport: {type: "webrtc", sdp}}` with a standard key → `{session: {id},
transport: {type: "webrtc", sdp: <answer>}}`; the data channel is `oai-events`, the model's
voice comes back on an audio track), the WebSocket `GET /v1/live/sessions` that
`client.live.connect()` opens (then `session.start` → `session.started`), and the sideband
`GET /v1/live/sessions/{id}/attach`. `ek_…` keys are refused (401): Live has no ephemeral
keys.

The engine's rules (`engine.LiveEngine`, deterministic):

- `session.started` carries the full `SessionResource` (voice `marin` unless set,
  `delegation` null = the application's, `status` "active", `expires_at`). WebRTC creation
  starts the session; `session.start` there is an error.
- Spoken turns: the Realtime engine's energy VAD (server defaults: threshold 0.5, 300 ms
  prefix, 500 ms silence) cuts the input audio (the WebRTC track, or
  `session.input_audio.append` over WebSocket) into turns; each turn's transcript
  (`EngineOptions.transcripts`, else "(spoken 1.2 s)") arrives as word-sized
  `session.input_transcript.delta` fragments spread over the turn's span on the input
  audio timeline. Then the model replies (`replies.ReplyPlanner`: the reply script, else
  "You said: …" / "I heard you speak for N seconds.").
- The model speaks as the Realtime emulator's voice does (`speech.synthesize`, 60 ms per
  character): `session.output_transcript.delta` fragments go out as the voice plays, each
  with the fragment's `start_ms`/`end_ms` on the session timeline (ms since the transport
  came up); the voice is on the WebRTC track, or `session.output_audio.delta` events (200 ms
  at most, in the session's `audio.format`, default PCM16 24 kHz) over WebSocket.
  Utterances queue; user speech while the model speaks or has something queued stops it
  (barge-in: the track's audio is cleared, no more fragments). No client event cancels.
- `session.commentary.append` → `session.commentary.appended`; the model then answers the
  content as it would a user turn, or, with a `delegation_id`, speaks the delegated result
  (`replies` rule 1: "The tool returned: …"). `session.thinking.append` →
  `session.thinking.appended`, silent (kept as context). `session.instructions.append` →
  `session.instructions.appended`; later `session.started/updated/closed` and reply scripts
  (`ReplyContext.instructions`) see the instructions joined with the appended ones.
  `*.appended` carry `start_ms` = `end_ms` = the session time it was taken.
- Delegation (`turns.py`): a user turn that names a function tool of the Responses backend
  (the Realtime rule: a tool's name in the text) or contains a task word ("weather",
  "look", "search", "find", "check", "book", "delegate") is delegated:
  `session.delegation.created` {delegation: {id: del_…, target, type: "delegation"},
  offset_ms}, and the model says "One moment, let me look into that." With client
  delegation (null, omitted or {type: "client"}) the application answers with
  `session.commentary.append` {content, delegation_id}. With Responses delegation the
  created delegation has a `response_id`, and the backend streams nested Responses events
  as `response.event` (`responses_backend.py`): a named function tool → a `function_call`
  the application answers with `response.item.create` (`function_call_output`) +
  `response.create` (a new response id); otherwise a text, which the model then speaks.
  Those two client events are refused without Responses delegation ("response.item.create
  requires Responses delegation."). Decisions delegation is refused at startup.
- `session.usage.updated` after every model utterance, and `session.closed`, carry
  `usage.seconds` = whole seconds (floor) since the session's transport came up.
- `session.closed` {reason, session, usage}: `close_requested` on `session.close` (then the
  transport closes), `expired` at the time limit (`max_session_seconds`,
  `Faults.expire_after_s`), `connection_lost` when the peer or WebSocket drops (it reaches
  the sidebands still attached).
- `session.input_audio.mute`/`unmute` → `.muted`/`.unmuted`; while muted the model hears
  silence (the clock goes on, no turns).
- `session.update` changes `delegation` (same type; sparse) and `triggers` only →
  `session.updated`; model, audio, instructions ("use session.instructions.append"), input,
  … → `error` naming the field.
- Errors are `error` events shaped as `openai.types.live.Error`, with `client_event_id`
  (in `error` and beside it) from the client's `event_id`; unknown types, events before
  `session.start` (WebSocket) and invalid fields are refused the same way.
- Faults (`faults.Faults`): `live_sessions` / `live_sessions_delay_s` fail or slow
  `POST /v1/live/sessions` and the WebSocket upgrade; `drop_peer_after_response_events`
  drops the connection after that many server events while the model speaks;
  `error_on_client_event_types`, `expire_after_s`, `silent_calls`, `refuse_ice` as for
  Realtime.

Not emulated: Decisions (`decision.*`), SIP `transport.*`, fixtures
(`session.output_audio.fixture.*`), `session.paused/resumed`, forks, the sideband's
reflected `session.input_audio.append`, `client.data_channel` permissions (accepted, not
enforced), `idle_timeout_s` and `wake_policy` (accepted, not acted on).
"""

from __future__ import annotations

from .engine import LiveEngine

__all__ = ["LiveEngine"]
