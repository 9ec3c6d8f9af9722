// The kernel's reply to the sdp_offer request, checked (src/controller/relayed_answer.ts).
import { describe, expect, it } from "vitest";
import { relayedAnswer } from "../../src/controller/relayed_answer";
import { RpcError } from "../../src/rpc";

describe("relayedAnswer", () => {
  it("an answer: the SDP and the call id (null when there is none)", async () => {
    await expect(relayedAnswer(Promise.resolve({ sdp: "v=0\r\n", call_id: "rtc_1" }))).resolves.toEqual({
      kind: "answer",
      sdp: "v=0\r\n",
      callId: "rtc_1",
    });
    for (const callId of [null, "", 3, undefined]) {
      await expect(relayedAnswer(Promise.resolve({ sdp: "v=0", call_id: callId }))).resolves.toMatchObject({ callId: null });
    }
  });

  it("an HTTP error answer: its status and body, for the browser's own wording", async () => {
    const err = new RpcError("POST … answered 401", "invalid_api_key", { message: "POST … answered 401", status: 401, body: "{}" });
    await expect(relayedAnswer(Promise.reject(err))).resolves.toEqual({ kind: "refused", status: 401, body: "{}" });
  });

  it("no HTTP answer (timeout, network, a refused request): the kernel's error as it is", async () => {
    const timeout = new RpcError("The server did not answer the call request within 15 s", "timeout", {
      message: "The server did not answer the call request within 15 s",
      status: null,
    });
    await expect(relayedAnswer(Promise.reject(timeout))).rejects.toBe(timeout);
    const plain = new Error("The Python kernel did not answer");
    await expect(relayedAnswer(Promise.reject(plain))).rejects.toBe(plain);
  });

  it("throws, naming a version mismatch, without an sdp", async () => {
    for (const reply of [null, "v=0", { sdp: 1 }, {}]) {
      await expect(relayedAnswer(Promise.resolve(reply))).rejects.toThrow(/out of date with each other/);
    }
  });
});
