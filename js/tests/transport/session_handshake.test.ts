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

  it("GPT-Live is ready on session.started; session.created means nothing there", () => {
    const h = createHandshake("live");
    h.answered = true;
    noteServerEvent(h, { type: "session.created" });
    expect(handshakeDone(h)).toBe(false);
    noteServerEvent(h, { type: "session.started", session: { id: "sess_1" } });
    expect(handshakeDone(h)).toBe(true);
    // And the Realtime API is not ready on session.started.
    const r = createHandshake("realtime");
    r.answered = true;
    noteServerEvent(r, { type: "session.started" });
    expect(handshakeDone(r)).toBe(false);
  });

  it("a Live error reads error.message, and names the refused session.update by error.client_event_id", () => {
    const h = createHandshake("live");
    h.answered = true;
    noteServerEvent(h, { type: "session.started" });
    noteSentBeforeReady(h, { type: "session.update", event_id: "u1" });
    const error = { type: "error", event_id: "e1", error: { type: "invalid_request_error", code: "unknown_parameter", message: "Unknown parameter: session.voice.", client_event_id: "u1" } };
    expect(noteServerEvent(h, error)).toBe("Unknown parameter: session.voice.");
    expect(handshakeDone(h)).toBe(true);
  });
});
