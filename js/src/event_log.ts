// The browser's event log, kept once per widget model (the controller feeds it
// every record, both directions): what the view knows beyond the display
// reducer. Not DOM code (the view only reads it): the records
// themselves (for the event inspector and the JSONL download), indexes from
// event type / item / response to records, per-turn times and latency, the
// speaking phases, token usage per model, and the session's clock facts.
//
// Pure with respect to time: everything is derived from the records' own `t`
// (epoch ms) so that tests replay recorded sessions exactly.
import { isJsonObject, recordType, type EventRecord, type JsonObject, type RecordType } from "./protocol";
import { isOutOfBand } from "./reducer";
import { redact } from "./transport";
import { addCounts, tokenCounts, ZERO_COUNTS, type TokenCounts } from "./pricing";
import { LiveUsageLog } from "./live_usage";

/** Records kept in memory. A 60-minute voice session is typically 20-40k events. */
export const MAX_RECORDS = 100_000;

/** The session limit when the server does not say (realtime-api.md §7: 60 minutes). */
export const SESSION_LIMIT_MS = 60 * 60 * 1000;

/** Server events after which the API refuses a voice change (api_facts.MODEL_AUDIO_EVENT_TYPES). */
const MODEL_AUDIO = new Set([
  "output_audio_buffer.started",
  "response.output_audio.delta",
  "response.output_audio_transcript.delta",
  "response.audio.delta",
  "response.audio_transcript.delta",
]);

/** Deltas that count as "the first response event" for latency (Python's first_delta_at). */
const FIRST_DELTA = new Set([
  "response.output_text.delta",
  "response.output_audio_transcript.delta",
  "response.function_call_arguments.delta",
]);

export interface ResponseTiming {
  /** When the user stopped speaking / sent text / asked for a response (epoch ms). */
  triggerT: number | null;
  firstDeltaT: number | null;
  /** Model the response was billed at; null = the widget's model. */
  model: string | null;
  counts: TokenCounts | null;
}

export interface LastTurnUsage {
  responseId: string;
  model: string | null;
  counts: TokenCounts;
}

export interface Phase {
  userSpeaking: boolean;
  modelSpeaking: boolean;
  /** Between the end of the user's speech (or a sent message) and the first response event. */
  thinking: boolean;
}

export class EventLog {
  rev = 0;
  /** Bumped only when what the usage panel shows may change (responses, tokens, models). */
  usageRev = 0;
  readonly #records: EventRecord[] = [];
  /** Sequence number of #records[0] (records before it were dropped past MAX_RECORDS). */
  #base = 0;
  readonly byType = new Map<string, number[]>();
  readonly #byItem = new Map<string, number[]>();
  readonly #byResponse = new Map<string, number[]>();
  readonly #itemResponse = new Map<string, string>();
  readonly itemFirstT = new Map<string, number>();
  /** item id → audio_end_ms of conversation.item.truncated: how much of the reply was heard. */
  readonly heardMs = new Map<string, number>();
  readonly responses = new Map<string, ResponseTiming>();
  /** Tokens per billing model ("" = unknown, priced at the widget's model as Python does). */
  readonly responseTokens = new Map<string, TokenCounts>();
  readonly transcriptionTokens = new Map<string, TokenCounts>();
  lastTurn: LastTurnUsage | null = null;
  /** GPT-Live: each session's billable seconds (live_usage.ts); empty for the Realtime API. */
  readonly live = new LiveUsageLog();
  /** Out-of-band responses (null conversation_id): billed, never a turn. */
  readonly #outOfBand = new Set<string>();
  phase: Phase = { userSpeaking: false, modelSpeaking: false, thinking: false };
  /** The model spoke in this session: the API now refuses a voice change. */
  modelSpoke = false;
  sessionModel: string | null = null;
  transcriptionModel: string | null = null;
  /** When the current session started (session.created), epoch ms. */
  sessionStartT: number | null = null;
  /** When the server will end the session, epoch ms. */
  expiresT: number | null = null;
  #pendingTrigger: number | null = null;
  /** Sequence number of the last conversation response that completed (a turn that succeeded). */
  lastTurnDoneSeq: number | null = null;
  /** Sequence number from which the error shown now counts (see noteError). */
  #errorSeq = 0;

  get size(): number {
    return this.#records.length;
  }

  /** Records dropped from memory because the log passed MAX_RECORDS. */
  get dropped(): number {
    return this.#base;
  }

  get nextSeq(): number {
    return this.#base + this.#records.length;
  }

  record(seq: number): EventRecord | undefined {
    return this.#records[seq - this.#base];
  }

  /** Sequence numbers still in memory, oldest first. */
  seqsOfType(type: string): number[] {
    return this.#live(this.byType.get(type));
  }

  /** Everything about one transcript turn: its item's events and its response's. */
  seqsOfItem(itemId: string): number[] {
    const own = this.#byItem.get(itemId) ?? [];
    const responseId = this.#itemResponse.get(itemId);
    const response = responseId ? (this.#byResponse.get(responseId) ?? []) : [];
    return this.#live([...new Set([...own, ...response])].sort((a, b) => a - b));
  }

  /** Trigger → first delta of the response that produced this item, in ms. */
  latencyOfItem(itemId: string): number | null {
    const responseId = this.#itemResponse.get(itemId);
    const r = responseId ? this.responses.get(responseId) : undefined;
    if (!r || r.triggerT === null || r.firstDeltaT === null) return null;
    return r.firstDeltaT - r.triggerT;
  }

  sessionTokens(): { responses: TokenCounts; transcription: TokenCounts } {
    let responses = { ...ZERO_COUNTS };
    let transcription = { ...ZERO_COUNTS };
    for (const c of this.responseTokens.values()) responses = addCounts(responses, c);
    for (const c of this.transcriptionTokens.values()) transcription = addCounts(transcription, c);
    return { responses, transcription };
  }

  /** `type`: the record's type as the controller read it once (read here when not given). */
  push(record: EventRecord, type: RecordType = recordType(record)): void {
    this.rev++;
    const seq = this.nextSeq;
    this.#records.push(record);
    if (this.#records.length > MAX_RECORDS) {
      // Drop a tenth at once: amortised O(1) per record.
      const drop = Math.ceil(MAX_RECORDS / 10);
      this.#records.splice(0, drop);
      this.#base += drop;
    }
    index(this.byType, type.received, seq);
    if (!("event" in record)) return;
    const event = record.event;
    const itemId = str(event["item_id"]) || str(obj(event["item"])["id"]);
    if (itemId) {
      index(this.#byItem, itemId, seq);
      if (!this.itemFirstT.has(itemId)) this.itemFirstT.set(itemId, record.t);
    }
    const responseId = str(event["response_id"]) || str(obj(event["response"])["id"]);
    if (responseId) {
      index(this.#byResponse, responseId, seq);
      if (itemId && record.dir === "server") this.#itemResponse.set(itemId, responseId);
    }
    if (record.dir === "client") this.#client(type.ga, event, record.t);
    else this.#server(type.ga, event, record.t, responseId, seq);
  }

  /**
   * The call is not (or no longer) connected: nobody is speaking or thinking any more, and
   * no event will say so (the server is gone). The controller calls it on every state but
   * `connected`.
   */
  callEnded(): void {
    const p = this.phase;
    this.#pendingTrigger = null;
    if (!p.userSpeaking && !p.modelSpeaking && !p.thinking) return;
    this.phase = { userSpeaking: false, modelSpeaking: false, thinking: false };
    this.rev++;
  }

  /** The error trait changed (any source: the server, the kernel, a tool); "" when cleared. */
  noteError(text: string): void {
    if (text) this.#errorSeq = this.nextSeq;
    this.rev++;
  }

  /** The error shown came before a turn that then succeeded: it is history, not the state of the call. */
  get errorIsOld(): boolean {
    return this.lastTurnDoneSeq !== null && this.lastTurnDoneSeq >= this.#errorSeq;
  }

  /** The session as JSON Lines in the package's public format (Conversation.load reads it). */
  toJsonl(): string {
    let out = "";
    for (const r of this.#records) {
      const line: JsonObject = { time: isoTime(r.t), direction: r.dir };
      if ("event" in r) line["event"] = r.event;
      else line["raw"] = r.raw;
      out += `${JSON.stringify(line)}\n`;
    }
    // One pass over the whole text (JSON escapes keep secrets on one line each).
    return redact(out);
  }

  // ---------------------------------------------------------------- internals

  #live(seqs: number[] | undefined): number[] {
    if (!seqs) return [];
    if (seqs.length === 0 || (seqs[0] ?? 0) >= this.#base) return seqs;
    return seqs.filter((s) => s >= this.#base);
  }

  #client(type: string, event: JsonObject, t: number): void {
    if (type === "input_audio_buffer.commit") {
      // Push-to-talk release (or a commit from Python): the user's turn is over, whatever
      // the server said before (speech that began under VAD has no speech_stopped once
      // turn detection is off).
      this.phase.userSpeaking = false;
    } else if (type === "conversation.item.create") {
      // A typed message starts the latency clock; the model thinks only once a response is
      // asked for (context re-inserted by a reconnect asks for none).
      const item = obj(event["item"]);
      if (item["type"] === "message" && item["role"] === "user") this.#pendingTrigger = t;
    } else if (type === "response.create") {
      // An out-of-band response (a classifier, a judge) is not the model answering the user.
      if (obj(event["response"])["conversation"] === "none") return;
      this.#trigger(this.#pendingTrigger ?? t);
    }
  }

  #trigger(t: number): void {
    this.#pendingTrigger = t;
    this.phase.thinking = true;
  }

  #server(type: string, event: JsonObject, t: number, responseId: string, seq: number): void {
    if (MODEL_AUDIO.has(type)) this.modelSpoke = true;
    if (this.live.observe(type, event)) this.usageRev++;
    switch (type) {
      case "session.created":
      // GPT-Live's session start (its session carries model and expires_at too).
      case "session.started":
        // A new session: the clock, the voice lock and any pending turn start again.
        this.sessionStartT = t;
        this.modelSpoke = false;
        this.#pendingTrigger = null;
        this.phase = { userSpeaking: false, modelSpeaking: false, thinking: false };
        this.sessionModel = null;
        this.expiresT = null;
        this.#session(obj(event["session"]), t);
        break;
      case "session.updated": {
        const session = obj(event["session"]);
        this.#session(session, t);
        // Turn detection switched off: the server drops speech in progress without a speech_stopped.
        const audioIn = obj(obj(session["audio"])["input"]);
        const td = "turn_detection" in audioIn ? audioIn["turn_detection"] : session["turn_detection"];
        if (td === null) this.phase.userSpeaking = false;
        break;
      }
      case "input_audio_buffer.speech_started":
        this.phase.userSpeaking = true;
        this.phase.thinking = false;
        break;
      case "input_audio_buffer.speech_stopped":
        this.phase.userSpeaking = false;
        this.#trigger(t);
        break;
      case "input_audio_buffer.committed":
      case "input_audio_buffer.cleared":
        // The buffer was committed or emptied: no speech is being collected.
        this.phase.userSpeaking = false;
        break;
      case "response.created": {
        this.usageRev++;
        // An out-of-band response (a classifier beside the conversation) is billed but is
        // not a turn: it neither answers the pending trigger nor becomes the "last turn".
        if (isOutOfBand(obj(event["response"])) === true) {
          this.#outOfBand.add(responseId);
          this.responses.set(responseId, { triggerT: null, firstDeltaT: null, model: this.sessionModel, counts: null });
          break;
        }
        this.phase.thinking = false;
        this.responses.set(responseId, { triggerT: this.#pendingTrigger, firstDeltaT: null, model: this.sessionModel, counts: null });
        this.#pendingTrigger = null;
        break;
      }
      case "response.done": {
        this.usageRev++;
        const response = obj(event["response"]);
        const counts = tokenCounts(response["usage"]);
        const timing = this.responses.get(responseId) ?? { triggerT: null, firstDeltaT: null, model: this.sessionModel, counts: null };
        timing.counts = counts;
        this.responses.set(responseId, timing);
        const key = timing.model ?? "";
        this.responseTokens.set(key, addCounts(this.responseTokens.get(key) ?? ZERO_COUNTS, counts));
        if (this.#outOfBand.has(responseId) || isOutOfBand(response) === true) break;
        this.phase.thinking = false;
        this.lastTurn = { responseId, model: timing.model, counts };
        if (response["status"] === "completed") this.lastTurnDoneSeq = seq;
        for (const item of Array.isArray(response["output"]) ? response["output"] : []) {
          const id = str(obj(item)["id"]);
          if (id) this.#itemResponse.set(id, responseId);
        }
        break;
      }
      case "output_audio_buffer.started":
        this.phase.modelSpeaking = true;
        this.phase.thinking = false;
        break;
      case "output_audio_buffer.stopped":
      case "output_audio_buffer.cleared":
        this.phase.modelSpeaking = false;
        break;
      case "conversation.item.truncated": {
        const ms = event["audio_end_ms"];
        if (typeof ms === "number") this.heardMs.set(str(event["item_id"]), ms);
        break;
      }
      case "conversation.item.input_audio_transcription.completed": {
        const usage = event["usage"];
        if (isJsonObject(usage)) {
          this.usageRev++;
          const key = this.transcriptionModel ?? "";
          this.transcriptionTokens.set(key, addCounts(this.transcriptionTokens.get(key) ?? ZERO_COUNTS, tokenCounts(usage)));
        }
        break;
      }
      case "error":
        this.phase.thinking = false;
        // Counts even when its text equals the error shown (the trait does not change then).
        this.#errorSeq = seq + 1;
        break;
      default:
        if (FIRST_DELTA.has(type)) {
          this.phase.thinking = false;
          const r = this.responses.get(responseId);
          if (r && r.firstDeltaT === null) r.firstDeltaT = t;
        }
        break;
    }
  }

  #session(session: JsonObject, t: number): void {
    this.usageRev++;
    if (typeof session["model"] === "string") this.sessionModel = session["model"];
    this.sessionStartT ??= t;
    const expires = session["expires_at"];
    if (typeof expires === "number" && expires > 0) this.expiresT = expires * 1000;
    else this.expiresT ??= this.sessionStartT + SESSION_LIMIT_MS;
    // GA: audio.input.transcription; beta: input_audio_transcription.
    const audioIn = obj(obj(session["audio"])["input"]);
    const tr = "transcription" in audioIn ? audioIn["transcription"] : session["input_audio_transcription"];
    if (tr !== undefined) this.transcriptionModel = isJsonObject(tr) && typeof tr["model"] === "string" ? tr["model"] : null;
  }
}

function index(map: Map<string, number[]>, key: string, seq: number): void {
  const list = map.get(key);
  if (list) list.push(seq);
  else map.set(key, [seq]);
}

/** Python's iso_time: UTC, microseconds, "+00:00". */
export function isoTime(tMs: number): string {
  const micros = Math.round(tMs * 1000);
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString(); // 2026-03-01T12:00:00.123Z
  const frac = String(micros - ms * 1000).padStart(3, "0");
  return `${iso.slice(0, 23)}${frac}+00:00`;
}

function obj(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}
