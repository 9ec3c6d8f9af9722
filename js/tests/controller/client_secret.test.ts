// The kernel's client secret reply, checked (src/controller/client_secret.ts).
import { describe, expect, it } from "vitest";
import { readClientSecret } from "../../src/controller/client_secret";

describe("readClientSecret", () => {
  it("keeps the value and a numeric expiry", () => {
    expect(readClientSecret({ value: "ek_1", expires_at: 5 })).toEqual({ value: "ek_1", expires_at: 5 });
    expect(readClientSecret({ value: "ek_1", expires_at: "soon" })).toEqual({ value: "ek_1" });
  });

  it("throws, naming a version mismatch, without a string value", () => {
    for (const reply of [null, "ek_1", { value: 1 }, {}]) {
      expect(() => readClientSecret(reply)).toThrow(/out of date with each other/);
    }
  });
});
