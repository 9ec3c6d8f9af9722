import { describe, expect, it } from "vitest";
import { redact, timeoutMs } from "../src/transport";

describe("redact (fault suite findings)", () => {
  it("masks a client secret the server quoted starred out", () => {
    const text = "Incorrect API key provided: ek_********************339d. You can find";
    expect(redact(text)).toBe("Incorrect API key provided: ek_…. You can find");
  });
  it("masks starred keys without a prefix and bearer headers", () => {
    expect(redact("key abcd*****wxyz here")).toBe("key *** here");
    expect(redact("sent Authorization: Bearer ek_abc.def")).toBe("sent Authorization: Bearer …");
  });
  it("masks a whole fake standard key", () => {
    expect(redact("sk-test-DO-NOT-LEAK-1234567890")).not.toContain("LEAK");
  });
});

describe("timeoutMs", () => {
  it("reads a getter each time and falls back to 15 s for unusable values", () => {
    let v = 700;
    const get = (): number => v;
    expect(timeoutMs(get)).toBe(700);
    v = Number.NaN;
    expect(timeoutMs(get)).toBe(15_000);
    expect(timeoutMs(undefined)).toBe(15_000);
    expect(timeoutMs(-5)).toBe(15_000);
  });
});
