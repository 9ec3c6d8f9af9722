// The data channel's message parsing and sent-event memory (src/transport/event_channel.ts):
// only a JSON object is an event, anything else is kept raw; the event_id memory is
// bounded and forgets the oldest first.
import { describe, expect, it } from "vitest";
import { SentEventTypes, serverRecord } from "../../src/transport/event_channel";

describe("serverRecord", () => {
  it("parses a JSON object into an event record", () => {
    expect(serverRecord(7, '{"type":"session.created"}')).toEqual({ t: 7, dir: "server", event: { type: "session.created" } });
  });

  it("keeps JSON that is not an object, and non-JSON, as raw text", () => {
    for (const text of ["[1,2]", "42", "null", '"text"', "{not json"]) {
      expect(serverRecord(1, text)).toEqual({ t: 1, dir: "server", raw: text });
    }
  });

  it("reads non-string data as its string form", () => {
    expect(serverRecord(1, 42)).toEqual({ t: 1, dir: "server", raw: "42" });
  });
});

describe("SentEventTypes", () => {
  it("remembers types by event_id; events without an event_id are not remembered", () => {
    const sent = new SentEventTypes();
    sent.remember({ type: "response.create", event_id: "e1" });
    sent.remember({ event_id: "e2" });
    sent.remember({ type: "session.update" });
    expect(sent.typeOf("e1")).toBe("response.create");
    expect(sent.typeOf("e2")).toBe("(no type)");
    expect(sent.typeOf("missing")).toBeNull();
  });

  it("forgets the oldest event_id once it holds 500", () => {
    const sent = new SentEventTypes();
    for (let i = 0; i <= 500; i++) sent.remember({ type: `t${i}`, event_id: `e${i}` });
    expect(sent.typeOf("e0")).toBeNull();
    expect(sent.typeOf("e1")).toBe("t1");
    expect(sent.typeOf("e500")).toBe("t500");
  });
});
