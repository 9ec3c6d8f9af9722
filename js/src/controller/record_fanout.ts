// Every data channel record, both directions, handed with its type (read once) to each consumer in order.
import { recordType, type EventRecord, type JsonObject, type RecordType } from "../protocol";
import { reduceDisplay, reduceLive, type DisplayState, type LiveBook } from "../reducer";

export interface RecordConsumers {
  /** On its way to the kernel. */
  batcher: { push(record: EventRecord): void };
  eventLog: { push(record: EventRecord, type: RecordType): void };
  callControls: { observe(event: JsonObject, type: string): void };
  display: DisplayState;
  /** GPT-Live: its display reducer's book; the Live reducer then takes both directions. */
  liveBook?: LiveBook | null;
  /** GPT-Live: what Interrupt can silence (server events only). */
  livePlayback?: { observe(event: JsonObject, type: string): void };
  /** A server `error` event (e.g. a rejected client event), before the others see it. */
  serverError(event: JsonObject): void;
}

/**
 * Client events go to the kernel and the log only: a sent message starts "thinking" in the
 * view through the log. A server message that is not JSON still bumps the display's revision.
 */
export function fanOutRecord(record: EventRecord, to: RecordConsumers): void {
  const type = recordType(record);
  to.batcher.push(record);
  to.eventLog.push(record, type);
  if (to.liveBook && "event" in record) {
    // GPT-Live's context rows are client events (commentary, thinking), so both directions.
    if (record.dir === "server") {
      if (type.ga === "error") to.serverError(record.event);
      to.livePlayback?.observe(record.event, type.ga);
    }
    reduceLive(to.display, to.liveBook, record.dir, record.event, type.ga);
    return;
  }
  if (record.dir !== "server") return;
  if (!("event" in record)) {
    reduceDisplay(to.display, { raw: record.raw });
    return;
  }
  if (type.ga === "error") to.serverError(record.event);
  to.callControls.observe(record.event, type.ga);
  reduceDisplay(to.display, record.event, type.ga);
}
