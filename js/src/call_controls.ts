// The state behind the call controls (the live prototyping controls that need
// the browser): interrupt, push-to-talk, and how each tool call went.
//
// Pure state fed with server events; it builds client events but sends nothing
// (the controller does). Interrupt is what the Realtime API's WebRTC server
// expects and what the official agents-realtime client sends: `response.cancel`
// (while the in-conversation response runs) and `output_audio_buffer.clear`
// (while its audio plays). The server tracks playback itself and answers the
// clear by truncating the playing item to what was played
// (`conversation.item.truncated`) and `output_audio_buffer.cleared`. A client
// `conversation.item.truncate` at a wall-clock estimate would be refused when
// the estimate overshoots ("Audio content of Xms is already shorter than Yms").
import { eventType, isJsonObject, type JsonObject } from "./protocol";
import { isOutOfBand } from "./reducer";

export interface ToolOutcome {
  callId: string;
  name: string;
  ok: boolean;
  error: string | null;
  durationMs: number | null;
}

export class CallControlsState {
  /**
   * The in-conversation response the server is producing (response.created …
   * response.done). Out-of-band responses (`conversation: "none"`, which the
   * server marks with a null `conversation_id`) run beside it and are never
   * what Interrupt cancels.
   */
  activeResponse: string | null = null;
  /** The response whose audio plays (output_audio_buffer.started … stopped/cleared). */
  playing: string | null = null;
  /** call_id → how the kernel's run of that tool went. */
  readonly tools = new Map<string, ToolOutcome>();
  /** Bumped on every change a view may draw. */
  rev = 0;

  /** A server event; `type`: its GA type name as the controller read it once (read here when not given). */
  observe(event: JsonObject, type: string = eventType(event).ga): void {
    switch (type) {
      case "session.created":
        this.activeResponse = null;
        this.playing = null;
        break;
      case "response.created": {
        const response = obj(event["response"]);
        if (isOutOfBand(response) === true) return;
        this.activeResponse = str(response["id"]) || null;
        break;
      }
      case "response.done": {
        const id = str(obj(event["response"])["id"]);
        if (this.activeResponse !== id) return;
        this.activeResponse = null;
        break;
      }
      case "output_audio_buffer.started":
        this.playing = str(event["response_id"]) || "?";
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
   * The events that stop the answer: `response.cancel` (while the
   * in-conversation response runs), then `output_audio_buffer.clear` (while
   * audio plays; the server truncates the item to what was played). Empty when
   * there is nothing to stop.
   */
  interruptEvents(newId: () => string): JsonObject[] {
    const events: JsonObject[] = [];
    if (this.activeResponse !== null) {
      events.push({ type: "response.cancel", event_id: newId(), response_id: this.activeResponse });
    }
    if (this.playing !== null) events.push({ type: "output_audio_buffer.clear", event_id: newId() });
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
