// The message shapes' helpers (src/protocol.ts): a record's type, read once per record.
import { describe, expect, it } from "vitest";
import { CLIENT_NOT_JSON, eventType, gaEventName, NO_TYPE, NOT_JSON, recordType } from "../src/protocol";

describe("recordType", () => {
  it("keeps the type as received and maps beta names to GA", () => {
    expect(recordType({ t: 0, dir: "server", event: { type: "response.text.delta" } })).toEqual({ received: "response.text.delta", ga: "response.output_text.delta" });
    expect(recordType({ t: 0, dir: "server", event: { type: "some.future_event" } })).toEqual({ received: "some.future_event", ga: "some.future_event" });
    expect(eventType({ type: 7 })).toEqual({ received: NO_TYPE, ga: NO_TYPE });
  });

  it("names non-JSON messages by direction", () => {
    expect(recordType({ t: 0, dir: "server", raw: "{" })).toEqual({ received: NOT_JSON, ga: NOT_JSON });
    expect(recordType({ t: 0, dir: "client", raw: "{" })).toEqual({ received: CLIENT_NOT_JSON, ga: CLIENT_NOT_JSON });
  });

  it("maps only the beta names it knows (not Object's own keys)", () => {
    expect(gaEventName("conversation.item.created")).toBe("conversation.item.added");
    expect(gaEventName("constructor")).toBe("constructor");
    expect(gaEventName("toString")).toBe("toString");
  });
});
