// One view of the widget: DOM only. It draws the model-level state, forwards
// clicks to the model-level controller, and cleans up after itself. Text from
// the model or the user goes in with textContent only, never innerHTML. The
// parts are in view/; this file puts them together and decides what to redraw.
import type { ModelLike, WidgetController } from "./controller";
import { Announcer } from "./view/announcer";
import { apiBadge } from "./view/api_badge";
import { AudioUnlock } from "./view/audio_unlock";
import { CallControlsView } from "./view/call_controls";
import { SessionClock } from "./view/clock";
import { h } from "./view/dom";
import { emulatorBadge } from "./view/emulator_badge";
import { ErrorLine } from "./view/error_line";
import { Inspector } from "./view/inspector";
import { LIVE_MESSAGE_WORDING, MessageBox } from "./view/message_box";
import { LiveSettingsPanel } from "./view/live_settings";
import { LiveUsagePanel } from "./view/live_usage_panel";
import { ListenOnlyLine } from "./view/listen_only";
import { LevelMeters } from "./view/meters";
import { NoticesView } from "./view/notices";
import { OutboxList } from "./view/outbox_list";
import { RedrawScheduler } from "./view/redraw";
import { SessionTools } from "./view/session_tools";
import { SettingsPanel } from "./view/settings";
import { Toolbar } from "./view/toolbar";
import { TranscriptList } from "./view/transcript_list";
import { UsagePanel } from "./view/usage_panel";

/** The traits the view draws from; any other trait change leaves it alone. */
const TRAIT_EVENTS = [
  "change:status",
  "change:sideband_state",
  "change:error",
  "change:notices",
  "change:muted",
  "change:backend",
  "change:voice",
  "change:turn_detection",
  "change:transcription",
  "change:noise_reduction",
  "change:price_table",
  "change:model",
];

export function renderView(el: HTMLElement, model: ModelLike, controller: WidgetController): () => void {
  const status = (): string => String(model.get("status") ?? "idle");
  const root = h("div", "rtw");
  const { announce, el: announcer } = new Announcer();
  const clock = new SessionClock(
    () => ({ active: String(model.get("status")) === "connected", startT: controller.eventLog.sessionStartT, endT: controller.eventLog.expiresT }),
    announce,
  );
  const bar = new Toolbar(
    {
      toggleCall: () => {
        const s = status();
        if (s === "connecting" || s === "connected") controller.disconnect();
        else void controller.connect();
      },
      toggleMute: () => controller.setMuted(!model.get("muted")),
    },
    announce,
    clock.el,
  );
  const meters = new LevelMeters(() => ({
    active: String(model.get("status")) === "connected",
    mic: controller.micStream,
    remote: controller.remoteStream,
  }));
  const badge = emulatorBadge();
  // GPT-Live (api="live") shows seconds, fixed settings and what a typed message becomes.
  const live = controller.api === "live";
  const badges = h("div", "rtw-badges");
  badges.append(apiBadge(controller.api), badge);
  // Any click in the widget may unblock the model's audio; this one says so.
  const enableAudio = (): void => {
    controller.resumeAudio();
    meters.resume();
  };
  const audioUnlock = new AudioUnlock(enableAudio);
  const listenOnly = new ListenOnlyLine();
  const inspector = new Inspector(controller.eventLog, announce);
  const transcript = new TranscriptList((itemId, who) => inspector.select({ kind: "item", itemId, label: `${who} ${itemId}` }));
  const outbox = new OutboxList();
  const message = new MessageBox((text) => controller.sendText(text), live ? LIVE_MESSAGE_WORDING : undefined);
  const tools = new SessionTools(controller, announce);
  const usage = live ? new LiveUsagePanel() : new UsagePanel();
  const settings = live ? new LiveSettingsPanel(model) : new SettingsPanel(model);
  const panels = h("div", "rtw-panels");
  panels.append(usage.el, inspector.el, settings.el);
  const error = new ErrorLine();
  const notices = new NoticesView(model);
  const proto = new CallControlsView(root, model, controller);
  bar.placeCallControls(proto.el);
  root.append(
    bar.el,
    proto.liveNoteEl,
    audioUnlock.el,
    listenOnly.el,
    meters.el,
    badges,
    transcript.el,
    outbox.el,
    message.el,
    tools.el,
    panels,
    error.el,
    error.oldEl,
    notices.el,
    proto.endedEl,
    announcer,
  );
  el.append(root);

  // Any click in the widget is a user gesture that may unblock the model's audio.
  const onRootClick = enableAudio;
  root.addEventListener("click", onRootClick);

  // ---------------------------------------------------------------- drawing

  // Trait-driven parts redraw on a trait change or when one of the few controller facts they
  // show changed, not on every frame of an event flood.
  let drawnSilenced = false;
  let traitsDirty = true;
  let drawnTraitsKey = "";
  function traitsKey(): string {
    const log = controller.eventLog;
    return [
      log.sessionStartT,
      log.expiresT,
      log.modelSpoke,
      controller.canInterrupt,
      controller.livePlayback.silenced,
      controller.display.order.length > 0,
      controller.micStream?.id ?? "",
      controller.remoteStream?.id ?? "",
      controller.kernelGone,
      controller.listenOnly?.message ?? "",
      controller.audioBlocked,
    ].join("|");
  }
  function drawTraits(): void {
    const key = traitsKey();
    if (!traitsDirty && key === drawnTraitsKey) return;
    traitsDirty = false;
    drawnTraitsKey = key;
    const s = status();
    const gone = controller.kernelGone;
    const listening = s === "connected" ? controller.listenOnly : null;
    bar.drawCall({ status: s, muted: Boolean(model.get("muted")), kernelGone: gone, micUnavailable: listening !== null });
    listenOnly.draw(listening);
    audioUnlock.draw(s === "connected" && controller.audioBlocked);
    bar.drawSideband(String(model.get("sideband_state") ?? "off"));
    root.dataset["status"] = s;
    message.setDisabled(gone);
    drawError();
    notices.draw();
    badge.hidden = model.get("backend") !== "emulator";
    meters.update();
    clock.update();
    proto.draw();
    // The note is not a live region (the view has one, the announcer): say it there once.
    const silenced = controller.livePlayback.silenced;
    if (silenced && !drawnSilenced) announce("Interrupt silenced the model's voice here; GPT-Live decides when it stops speaking.");
    drawnSilenced = silenced;
    settings.draw({ voiceLocked: s === "connected" && controller.eventLog.modelSpoke, disabled: gone });
    usage.draw(controller.eventLog, model.get("price_table"), String(model.get("model") ?? ""));
  }

  function drawDisplay(): void {
    // Scrolled at the start of the next frame, when layout is clean (no forced layout here).
    if (transcript.draw(controller.display, controller.eventLog)) scheduler.frameStartDue();
    drawSession();
  }

  let drawnSessionRev = -1;
  function drawSession(): void {
    const log = controller.eventLog;
    if (log.rev === drawnSessionRev) return;
    drawnSessionRev = log.rev;
    drawPhase();
    drawError();
    usage.draw(log, model.get("price_table"), String(model.get("model") ?? ""));
    bar.setTokens(usage.shown(log) ? (usage.summaryText.textContent ?? "") : "");
    inspector.draw();
  }
  function drawPhase(): void {
    bar.drawPhase(String(model.get("status")) === "connected", controller.eventLog.phase);
  }
  // Once a later turn succeeded the error is not the state of the call any more.
  function drawError(): void {
    const raw = String(model.get("error") ?? "");
    // The listen-only line already says it (w.error carries it for Python).
    const text = raw === controller.listenOnly?.message ? "" : raw;
    error.draw(text, text !== "" && controller.eventLog.errorIsOld);
  }

  // ---------------------------------------------------------------- scheduling

  const scheduler = new RedrawScheduler({
    draw: () => {
      drawTraits();
      drawDisplay();
      drawPhase();
      outbox.draw(controller.outbox);
    },
    frameStart: () => transcript.scrollToEnd(),
    recordCount: () => controller.eventLog.nextSeq,
  });
  const onTrait = (): void => {
    traitsDirty = true;
    scheduler.schedule();
  };
  for (const ev of TRAIT_EVENTS) model.on(ev, onTrait);
  const unsubscribe = controller.subscribe(scheduler.schedule);
  drawTraits();
  drawDisplay();
  outbox.draw(controller.outbox);
  // Last: the view is on the page, so a connect the kernel asked for may start now.
  const untrack = controller.trackView(el);

  return () => {
    untrack();
    unsubscribe();
    for (const ev of TRAIT_EVENTS) model.off(ev, onTrait);
    scheduler.dispose();
    root.removeEventListener("click", onRootClick);
    transcript.dispose();
    tools.dispose();
    meters.dispose();
    audioUnlock.dispose();
    clock.dispose();
    proto.dispose();
    settings.dispose();
    bar.dispose();
    message.dispose();
    root.remove();
  };
}
