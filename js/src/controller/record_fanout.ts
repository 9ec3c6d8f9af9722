// Every data channel record, both directions, handed with its type (read once) to each consumer in order.
import { recordType, type EventRecord, type JsonObject, type RecordType } from "../protocol";
import { reduceDisplay, type DisplayState } from "../reducer";

export interface RecordConsumers {
  /** On its way to the kernel. */
  batcher: { push(record: EventRecord): void };
  eventLog: { push(record: EventRecord, type: RecordType): void };
  callControls: { observe(event: JsonObject, type: string): void };
  display: DisplayState;
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
  if (record.dir !== "server") return;
  if (!("event" in record)) {
    reduceDisplay(to.display, { raw: record.raw });
    return;
  }
  if (type.ga === "error") to.serverError(record.event);
  to.callControls.observe(record.event, type.ga);
  reduceDisplay(to.display, record.event, type.ga);
}
