// Live prototyping controls that need the browser: interrupt (with truncation to
// what was actually played), push-to-talk, and how each tool call went.
//
// Pure state fed with server events; it builds client events but sends nothing
// (the controller does). Played time: from the arrival of
// `output_audio_buffer.started` for the playing response to now. WebRTC gives us
// no sample-accurate position for a remote track (an <audio> element playing a
// MediaStream reports a currentTime that runs on whether or not the model
// speaks), while the server marks the start of playback with that event; the
// error is the network and jitter-buffer delay, tens of milliseconds.
import { isJsonObject, type JsonObject } from "./protocol";

export interface ToolOutcome {
  callId: string;
  name: string;
  ok: boolean;
  error: string | null;
  durationMs: number | null;
}

export class PrototypingState {
  /** The response the server is producing (response.created … response.done). */
  activeResponse: string | null = null;
  /** Assistant playback: the response playing and when its audio started (epoch ms). */
  playing: { responseId: string; startedAt: number } | null = null;
  /** response id → its assistant message items that carry audio. */
  readonly #audioItems = new Map<string, string[]>();
  /** call_id → how the kernel's run of that tool went. */
  readonly tools = new Map<string, ToolOutcome>();
  /** Bumped on every change a view may draw. */
  rev = 0;

  observe(event: JsonObject, t: number): void {
    const type = typeof event["type"] === "string" ? event["type"] : "";
    switch (type) {
      case "session.created":
        this.activeResponse = null;
        this.playing = null;
        this.#audioItems.clear();
        break;
      case "response.created":
        this.activeResponse = str(obj(event["response"])["id"]) || null;
        break;
      case "response.done": {
        const id = str(obj(event["response"])["id"]);
        if (this.activeResponse === id) this.activeResponse = null;
        break;
      }
      case "response.content_part.added": {
        // Only an audio part can be truncated (a text part has no playback).
        const responseId = str(event["response_id"]);
        const itemId = str(event["item_id"]);
        if (responseId && itemId && obj(event["part"])["type"] === "audio") {
          const ids = this.#audioItems.get(responseId) ?? [];
          if (!ids.includes(itemId)) ids.push(itemId);
          this.#audioItems.set(responseId, ids);
        }
        break;
      }
      case "output_audio_buffer.started":
        this.playing = { responseId: str(event["response_id"]), startedAt: t };
        break;
      case "output_audio_buffer.stopped":
      case "output_audio_buffer.cleared":
        this.playing = null;
        break;
      default:
        return;
    }
    this.rev++;
  }

  get canInterrupt(): boolean {
    return this.activeResponse !== null || this.playing !== null;
  }

  /**
   * The events that stop the answer: `response.cancel` (while one runs), then
   * `output_audio_buffer.clear` and `conversation.item.truncate` at the played
   * time (while its audio plays). Empty when there is nothing to stop.
   */
  interruptEvents(now: number, newId: () => string): JsonObject[] {
    const events: JsonObject[] = [];
    if (this.activeResponse !== null) {
      events.push({ type: "response.cancel", event_id: newId(), response_id: this.activeResponse });
    }
    const playing = this.playing;
    if (playing !== null) {
      events.push({ type: "output_audio_buffer.clear", event_id: newId() });
      const items = this.#audioItems.get(playing.responseId) ?? [];
      const itemId = items[items.length - 1];
      if (itemId) {
        events.push({
          type: "conversation.item.truncate",
          event_id: newId(),
          item_id: itemId,
          content_index: 0,
          audio_end_ms: Math.max(0, Math.floor(now - playing.startedAt)),
        });
      }
    }
    return events;
  }

  /** A `tool-result` message from the kernel. */
  toolResult(msg: JsonObject): ToolOutcome | null {
    const callId = str(msg["call_id"]);
    if (!callId) return null;
    const outcome: ToolOutcome = {
      callId,
      name: str(msg["name"]),
      ok: msg["ok"] === true,
      error: typeof msg["error"] === "string" ? msg["error"] : null,
      durationMs: typeof msg["duration_ms"] === "number" ? msg["duration_ms"] : null,
    };
    this.tools.set(callId, outcome);
    this.rev++;
    return outcome;
  }
}

/** Push-to-talk press: drop whatever the mic put in the buffer before. */
export function pushToTalkPress(newId: () => string): JsonObject[] {
  return [{ type: "input_audio_buffer.clear", event_id: newId() }];
}

/** Push-to-talk release: the held speech is the user's turn; ask for the answer. */
export function pushToTalkRelease(newId: () => string): JsonObject[] {
  return [
    { type: "input_audio_buffer.commit", event_id: newId() },
    { type: "response.create", event_id: newId() },
  ];
}

let idCounter = 0;

/** Client event ids made in the browser (the kernel uses `evt_rw_…`). */
export function browserEventId(): string {
  idCounter = (idCounter + 1) % 1_000_000;
  const random = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, "0");
  return `evt_rwb_${random}${idCounter.toString(16)}`;
}

function obj(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}
