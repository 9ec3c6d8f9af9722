// The kernel's side of a widget in jsdom: a controller on a fake model and fake WebRTC, and
// what the kernel answers when the browser connects (shared by the controller, view and
// entry tests).
import { expect, vi } from "vitest";
import { WidgetController } from "../src/controller";
import { FakeModel, fakeWorld, type FakePeerConnection } from "./fakes";

/** A controller with one view on the page (a connect from the kernel waits for a view). */
export function setup(attrs: Record<string, unknown> = {}, { view = true }: { view?: boolean } = {}) {
  const model = new FakeModel(attrs);
  const world = fakeWorld();
  const controller = new WidgetController(model, { ...world.deps, createAudio: () => null, now: () => 5000 });
  if (view) {
    const el = document.createElement("div");
    document.body.append(el);
    controller.trackView(el);
  }
  return { model, world, controller };
}

/** Answers the kernel side of a connect: the client secret rpc. */
export async function answerSecret(model: FakeModel): Promise<void> {
  await vi.waitFor(() => expect(model.sentOfType("rpc")).toHaveLength(1));
  const rpc = model.sentOfType("rpc")[0]!;
  expect(rpc).toMatchObject({ method: "client_secret", params: {} });
  model.fromKernel({ type: "rpc-reply", id: rpc["id"], ok: true, result: { value: "ek_widget_test", expires_at: 1 } });
}

export async function connectViaKernel(model: FakeModel, world: ReturnType<typeof fakeWorld>): Promise<FakePeerConnection> {
  model.fromKernel({ type: "command", name: "connect" });
  await answerSecret(model);
  await vi.waitFor(() => expect(world.pcs[0]?.remoteDescription).toBeTruthy());
  const pc = world.pcs[0]!;
  pc.channel.open();
  pc.channel.receive({ type: "session.created", session: { model: "gpt-realtime" } });
  await vi.waitFor(() => expect(model.get("status")).toBe("connected"));
  return pc;
}
