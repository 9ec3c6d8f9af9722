// GPT-Live's Interrupt (src/live_playback.ts): it only silences playback here, until the
// user speaks or the model starts a new utterance after a pause on the session timeline.
import { describe, expect, it } from "vitest";
import { LivePlayback, NEW_UTTERANCE_GAP_MS, setPlaybackAudible } from "../../src/live_playback";
import { FakeStream } from "../fakes";
import { live } from "./live_events";

function feed(p: LivePlayback, ...events: Array<Record<string, unknown>>): void {
  for (const e of events) p.observe(e, String(e["type"]));
}

describe("Live playback (Interrupt)", () => {
  it("can interrupt only while the model is the last speaker, and only once", () => {
    const p = new LivePlayback();
    expect(p.canInterrupt).toBe(false);
    expect(p.interrupt()).toBe(false);
    feed(p, live.said("Let me tell you", 0, 500));
    expect(p.canInterrupt).toBe(true);
    expect(p.interrupt()).toBe(true);
    expect(p.silenced).toBe(true);
    expect(p.canInterrupt).toBe(false);
    expect(p.interrupt()).toBe(false);
  });

  it("stays silenced while the model goes on with the same utterance", () => {
    const p = new LivePlayback();
    feed(p, live.said("a long ", 0, 500));
    p.interrupt();
    feed(p, live.said("story ", 500, 900), live.said("about ", 900 + NEW_UTTERANCE_GAP_MS - 1, 2000));
    expect(p.silenced).toBe(true);
  });

  it("ends when the model starts a new utterance after a pause", () => {
    const p = new LivePlayback();
    feed(p, live.said("first", 0, 500));
    p.interrupt();
    expect(p.observe(live.said("second answer", 500 + NEW_UTTERANCE_GAP_MS, 2000), "session.output_transcript.delta")).toBe(true);
    expect(p.silenced).toBe(false);
  });

  it("ends when the user speaks, and a new session starts unsilenced", () => {
    const p = new LivePlayback();
    feed(p, live.said("talking", 0, 500));
    p.interrupt();
    expect(p.observe(live.heard("wait", 600, 800), "session.input_transcript.delta")).toBe(true);
    expect(p.silenced).toBe(false);
    expect(p.canInterrupt).toBe(false);
    feed(p, live.said("ok", 900, 1000));
    p.interrupt();
    feed(p, live.started());
    expect(p.silenced).toBe(false);
    expect(p.canInterrupt).toBe(false);
  });

  it("silencing disables the received audio tracks; audible enables them again", () => {
    const stream = new FakeStream();
    setPlaybackAudible(stream as unknown as MediaStream, false);
    expect(stream.tracks.map((t) => t.enabled)).toEqual([false]);
    setPlaybackAudible(stream as unknown as MediaStream, true);
    expect(stream.tracks.map((t) => t.enabled)).toEqual([true]);
    setPlaybackAudible(null, false); // no stream yet: nothing to do
  });
});
