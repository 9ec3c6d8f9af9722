// What the controller writes to the status, error and call_id traits
// (src/controller/trait_reports.ts): only real changes, saved once.
import { describe, expect, it } from "vitest";
import {
  connectionPatch,
  isStaleCallStatus,
  notSentText,
  serverErrorText,
  writeTraits,
} from "../../src/controller/trait_reports";

function traits(initial: Record<string, unknown>) {
  const values = new Map(Object.entries(initial));
  const sets: Array<[string, unknown]> = [];
  let saves = 0;
  return {
    model: {
      get: (k: string) => values.get(k),
      set: (k: string, v: unknown) => {
        sets.push([k, v]);
        values.set(k, v);
      },
      save_changes: () => void saves++,
    },
    sets,
    saves: () => saves,
  };
}

describe("writeTraits", () => {
  it("sets only what differs and saves once", () => {
    const t = traits({ status: "idle", error: "" });
    expect(writeTraits(t.model, { status: "connecting", error: "" })).toBe(true);
    expect(t.sets).toEqual([["status", "connecting"]]);
    expect(t.saves()).toBe(1);
  });

  it("does not save a patch that changes nothing", () => {
    const t = traits({ status: "idle" });
    expect(writeTraits(t.model, { status: "idle" })).toBe(false);
    expect(t.saves()).toBe(0);
  });
});

describe("connectionPatch", () => {
  it("clears the last call's error and id when connecting", () => {
    expect(connectionPatch({ kind: "connecting", attempt: 1 })).toEqual({ status: "connecting", error: "", call_id: "" });
  });

  it("reports the call id when connected (empty when unknown)", () => {
    expect(connectionPatch({ kind: "connected", attempt: 1, callId: "rtc_1" })).toEqual({ status: "connected", call_id: "rtc_1" });
    expect(connectionPatch({ kind: "connected", attempt: 1, callId: null })).toEqual({ status: "connected", call_id: "" });
  });

  it("reports an error's message; idle and closing set only the status", () => {
    expect(connectionPatch({ kind: "error", message: "no mic" })).toEqual({ status: "error", error: "no mic" });
    expect(connectionPatch({ kind: "idle" })).toEqual({ status: "idle" });
    expect(connectionPatch({ kind: "closing" })).toEqual({ status: "closing" });
  });
});

describe("isStaleCallStatus", () => {
  it("is true for the statuses of a call in progress", () => {
    expect(["idle", "connecting", "connected", "closing", "error"].filter(isStaleCallStatus)).toEqual(["connecting", "connected", "closing"]);
  });
});

describe("serverErrorText", () => {
  it("names the message, code and the client event that caused it", () => {
    const text = serverErrorText({ type: "error", error: { message: "bad voice", code: "invalid_value", event_id: "e9" } }, (id) =>
      id === "e9" ? "session.update" : null,
    );
    expect(text).toBe("The server reported an error: bad voice (invalid_value) (caused by the client event session.update e9)");
  });

  it("says 'with event_id' for a cause it did not send, and copes with no error object", () => {
    expect(serverErrorText({ error: { message: "x", event_id: "e1" } }, () => null)).toBe(
      "The server reported an error: x (caused by the client event with event_id e1)",
    );
    expect(serverErrorText({ type: "error" }, () => null)).toBe("The server reported an error: unknown error");
  });
});

describe("notSentText", () => {
  it("names the event's type", () => {
    expect(notSentText({ type: "response.create" })).toMatch(/"response.create" was not sent/);
    expect(notSentText({})).toMatch(/"\(no type\)" was not sent/);
  });
});
