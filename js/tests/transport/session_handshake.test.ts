// The handshake a connecting attempt waits for (src/transport/session_handshake.ts): only
// session.update events count as pending, each is answered by session.updated or by an
// error naming its event_id, and no answer counts twice.
import { describe, expect, it } from "vitest";
import { createHandshake, handshakeDone, noteSentBeforeReady, noteServerEvent } from "../../src/transport/session_handshake";

function answeredAndCreated() {
  const h = createHandshake();
  h.answered = true;
  noteServerEvent(h, { type: "session.created" });
  return h;
}

describe("session handshake", () => {
  it("needs the answer and session.created", () => {
    const h = createHandshake();
    expect(handshakeDone(h)).toBe(false);
    noteServerEvent(h, { type: "session.created" });
    expect(handshakeDone(h)).toBe(false);
    h.answered = true;
    expect(handshakeDone(h)).toBe(true);
  });

  it("waits for one session.updated per session.update sent; other client events do not count", () => {
    const h = answeredAndCreated();
    noteSentBeforeReady(h, { type: "session.update", event_id: "u1" });
    noteSentBeforeReady(h, { type: "session.update" });
    noteSentBeforeReady(h, { type: "response.create", event_id: "r1" });
    expect(handshakeDone(h)).toBe(false);
    noteServerEvent(h, { type: "session.updated" });
    expect(handshakeDone(h)).toBe(false);
    noteServerEvent(h, { type: "session.updated" });
    expect(handshakeDone(h)).toBe(true);
    noteServerEvent(h, { type: "session.updated" });
    expect(h.pendingUpdates).toBe(0);
  });

  it("an error naming a pending session.update answers it once; other errors answer none", () => {
    const h = answeredAndCreated();
    noteSentBeforeReady(h, { type: "session.update", event_id: "u1" });
    noteSentBeforeReady(h, { type: "session.update", event_id: "u2" });
    expect(noteServerEvent(h, { type: "error", error: { message: "Invalid voice", event_id: "u1" } })).toBe("Invalid voice");
    expect(noteServerEvent(h, { type: "error", error: { message: "again", event_id: "u1" } })).toBe("again");
    expect(noteServerEvent(h, { type: "error", error: { event_id: "other" } })).toBe("unknown error");
    expect(h.pendingUpdates).toBe(1);
    expect(noteServerEvent(h, { type: "session.updated" })).toBeNull();
    expect(handshakeDone(h)).toBe(true);
  });
});
