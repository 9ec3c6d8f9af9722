// One view of the widget: DOM only. It draws the model-level state, forwards
// clicks to the model-level controller, and cleans up after itself. Text from
// the model or the user goes in with textContent only, never innerHTML.
import type { ModelLike, WidgetController } from "./controller";
import { transcriptOf, type Turn } from "./reducer";
import { SessionClock } from "./view/clock";
import { button, copyText, download, h as el_ } from "./view/dom";
import { Inspector } from "./view/inspector";
import { LevelMeters } from "./view/meters";
import { NoticesView } from "./view/notices";
import { CallControlsView } from "./view/call_controls";
import { SettingsPanel } from "./view/settings";
import { textSlot, type TextSlot } from "./view/text_row";
import { transcriptAsText, turnExtras, turnExtrasKey, updateTurnText, whoOf } from "./view/transcript";
import { UsagePanel } from "./view/usage_panel";


interface Row {
  li: HTMLLIElement;
  who: HTMLSpanElement;
  text: HTMLSpanElement;
  slot: TextSlot;
  rev: number;
  /** Time, latency badge, "heard" note and the events button (view/transcript.ts). */
  meta: HTMLSpanElement;
  metaKey: string;
}

let viewCounter = 0;

export function renderView(el: HTMLElement, model: ModelLike, controller: WidgetController): () => void {
  const uid = `rtw-${++viewCounter}`;
  const root = h("div", "rtw");

  const bar = h("div", "rtw-bar");
  const connectBtn = h("button", "rtw-connect");
  connectBtn.type = "button";
  const muteBtn = h("button", "rtw-mute");
  muteBtn.type = "button";
  muteBtn.textContent = "Mute microphone";
  const status = h("span", "rtw-status");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const activity = h("span", "rtw-activity");
  const userInd = el_("span", "rtw-ind rtw-ind-user", "You");
  const thinkInd = el_("span", "rtw-ind rtw-ind-thinking", "Thinking");
  const modelInd = el_("span", "rtw-ind rtw-ind-model", "Model");
  activity.append(userInd, thinkInd, modelInd);
  const tokens = h("span", "rtw-tokens");
  // Polite announcements (connected, session-limit warning, copied); not role=status,
  // which is the connection status itself.
  const announcer = el_("div", "rtw-visually-hidden rtw-announce");
  announcer.setAttribute("aria-live", "polite");
  const announce = (text: string): void => {
    announcer.textContent = "";
    // A new text node each time, so a repeated message is read again.
    setTimeout(() => (announcer.textContent = text), 30);
  };
  const clock = new SessionClock(
    () => ({ active: String(model.get("status")) === "connected", startT: controller.eventLog.sessionStartT, endT: controller.eventLog.expiresT }),
    announce,
  );
  bar.append(connectBtn, muteBtn, status, activity, clock.el, tokens);
  const meters = new LevelMeters(() => ({
    active: String(model.get("status")) === "connected",
    mic: controller.micStream,
    remote: controller.remoteStream,
  }));

  const badge = h("div", "rtw-emulator");
  const badgeLabel = h("strong", "rtw-badge");
  badgeLabel.textContent = "Offline emulator";
  const badgeHint = h("span", "rtw-hint");
  badgeHint.textContent =
    " No OPENAI_API_KEY was found, so this widget talks to a local stand-in for the Realtime API. " +
    "To use the real API, set OPENAI_API_KEY (or pass api_key=...) and create the widget again.";
  badge.append(badgeLabel, badgeHint);

  const transcript = h("ol", "rtw-transcript");
  transcript.setAttribute("aria-label", "Transcript");
  const outbox = h("ol", "rtw-outbox");
  outbox.setAttribute("aria-label", "Waiting to be sent");
  outbox.hidden = true;
  const empty = h("li", "rtw-empty");
  empty.textContent = "The conversation will appear here.";
  transcript.append(empty);
  // Stuck to the bottom unless the reader scrolled up. Read only in scroll events: the view
  // writes the DOM only in its animation frame, so layout is clean here and the read is free;
  // reading scrollHeight inside the frame (after writes) forced a layout per frame.
  let stick = true;
  const onTranscriptScroll = (): void => {
    stick = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 24;
  };
  transcript.addEventListener("scroll", onTranscriptScroll, { passive: true });

  const form = h("form", "rtw-compose");
  const label = h("label", "rtw-visually-hidden");
  label.textContent = "Message";
  label.htmlFor = `${uid}-message`;
  const input = h("input", "rtw-message");
  input.type = "text";
  input.id = `${uid}-message`;
  input.placeholder = "Type a message and press Enter";
  input.autocomplete = "off";
  const sendBtn = h("button", "rtw-send");
  sendBtn.type = "submit";
  sendBtn.textContent = "Send";
  form.append(label, input, sendBtn);

  const tools = el_("div", "rtw-tools");
  const copyBtn = button("rtw-copy-transcript", "Copy transcript");
  const jsonlBtn = button("rtw-download", "Download JSONL", "Download JSONL: the session as JSON Lines");
  tools.append(copyBtn, jsonlBtn);
  const inspector = new Inspector(controller.eventLog, announce);
  const usage = new UsagePanel();
  const settings = new SettingsPanel(model);
  const panels = el_("div", "rtw-panels");
  panels.append(usage.el, inspector.el, settings.el);

  const error = h("div", "rtw-error");
  error.setAttribute("role", "alert");
  // The same error once a later turn succeeded: still readable, no longer an alert.
  const oldError = h("div", "rtw-error-old");
  oldError.hidden = true;
  const notices = new NoticesView(model);

  const proto = new CallControlsView(root, model, controller);
  bar.insertBefore(proto.el, status);
  root.append(bar, meters.el, badge, transcript, outbox, form, tools, panels, error, oldError, notices.el, proto.endedEl, announcer);
  el.append(root);

  // ---------------------------------------------------------------- input

  const onConnectClick = (): void => {
    const s = String(model.get("status") ?? "idle");
    if (s === "connecting" || s === "connected") controller.disconnect();
    else void controller.connect();
  };
  const onMuteClick = (): void => controller.setMuted(!model.get("muted"));
  const onSubmit = (ev: Event): void => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    controller.sendText(text);
    input.value = "";
  };
  // Any click in the widget is a user gesture that may unblock the model's audio.
  // Inside a JupyterLab output area the browser's implicit submit on Enter never fires
  // (the notebook's own key handling sees the event first), so submit explicitly.
  const onMessageKeydown = (ev: KeyboardEvent): void => {
    if (ev.key !== "Enter" || ev.isComposing) return;
    ev.preventDefault();
    ev.stopPropagation();
    form.requestSubmit();
  };
  const onRootClick = (): void => {
    controller.resumeAudio();
    meters.resume();
  };
  const onCopy = (): void => {
    const text = transcriptAsText(transcriptOf(controller.display), controller.eventLog);
    void copyText(text).then((ok) => announce(ok ? "Transcript copied." : "Copy failed: the browser refused the clipboard."));
  };
  const onDownload = (): void => {
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
    download(`realtime-session-${stamp}.jsonl`, controller.eventLog.toJsonl(), "application/x-ndjson");
    announce(`Downloaded ${controller.eventLog.size} events.`);
  };
  // A turn's "events" button opens the inspector on that turn's events.
  const onTranscriptClick = (ev: Event): void => {
    const b = (ev.target as HTMLElement).closest<HTMLButtonElement>("button.rtw-turn-events");
    const li = b?.closest<HTMLLIElement>("li.rtw-turn");
    const id = li?.dataset["itemId"];
    if (!b || !li || !id) return;
    const who = li.querySelector(".rtw-who")?.textContent ?? "turn";
    inspector.select({ kind: "item", itemId: id, label: `${who} ${id}` });
  };
  copyBtn.addEventListener("click", onCopy);
  jsonlBtn.addEventListener("click", onDownload);
  transcript.addEventListener("click", onTranscriptClick);
  root.addEventListener("click", onRootClick);
  connectBtn.addEventListener("click", onConnectClick);
  muteBtn.addEventListener("click", onMuteClick);
  form.addEventListener("submit", onSubmit);
  input.addEventListener("keydown", onMessageKeydown);

  // ---------------------------------------------------------------- drawing

  const rows = new Map<string, Row>();
  let drawnOrderRev = -1;
  let drawnRev = -1;

  let drawnStatus = "";
  // Trait-driven parts redraw on a trait change or when one of the few controller facts they
  // show changed, not on every frame of an event flood.
  let traitsDirty = true;
  let drawnTraitsKey = "";
  function traitsKey(): string {
    const log = controller.eventLog;
    return [
      log.sessionStartT,
      log.expiresT,
      log.modelSpoke,
      controller.callControls.canInterrupt,
      controller.display.order.length > 0,
      controller.micStream?.id ?? "",
      controller.remoteStream?.id ?? "",
      controller.kernelGone,
    ].join("|");
  }
  function drawTraits(): void {
    const key = traitsKey();
    if (!traitsDirty && key === drawnTraitsKey) return;
    traitsDirty = false;
    drawnTraitsKey = key;
    const s = String(model.get("status") ?? "idle");
    if (drawnStatus && s !== drawnStatus && (s === "connected" || s === "idle")) announce(s === "connected" ? "Connected." : "Disconnected.");
    drawnStatus = s;
    status.textContent = s;
    root.dataset["status"] = s;
    const active = s === "connecting" || s === "connected";
    connectBtn.textContent = active ? "Disconnect" : "Connect";
    // After a kernel restart nothing that needs the kernel can work: the error says why.
    const gone = controller.kernelGone;
    connectBtn.disabled = s === "closing" || gone;
    const muted = Boolean(model.get("muted"));
    muteBtn.setAttribute("aria-pressed", String(muted));
    muteBtn.disabled = gone;
    input.disabled = gone;
    sendBtn.disabled = gone;
    drawError();
    notices.draw();
    badge.hidden = model.get("backend") !== "emulator";
    meters.update();
    clock.update();
    proto.draw();
    settings.draw({ voiceLocked: s === "connected" && controller.eventLog.modelSpoke, disabled: gone });
    usage.draw(controller.eventLog, model.get("price_table"), String(model.get("model") ?? ""));
  }

  function drawDisplay(): void {
    const state = controller.display;
    if (state.rev === drawnRev) {
      drawSession();
      return;
    }
    drawnRev = state.rev;
    let grew = false;

    // O(turns) integer/key checks per frame; DOM work only for the turns that changed, and
    // for a streaming turn only its new characters (view/text_row.ts).
    const turns = transcriptOf(state);
    for (const turn of turns) {
      let row = rows.get(turn.itemId);
      if (!row) {
        row = newRow();
        rows.set(turn.itemId, row);
      }
      if (row.rev !== turn.rev) grew = fillRow(row, turn) || grew;
      const key = turnExtrasKey(turn, controller.eventLog);
      if (key !== row.metaKey) {
        row.metaKey = key;
        row.meta.replaceChildren(...turnExtras(turn, controller.eventLog).nodes);
      }
    }
    if (state.orderRev !== drawnOrderRev) {
      grew = true;
      drawnOrderRev = state.orderRev;
      const live = new Set(state.order);
      for (const [id, row] of rows) {
        if (!live.has(id)) {
          row.li.remove();
          rows.delete(id);
        }
      }
      let cursor: ChildNode | null = transcript.firstChild;
      if (cursor === empty) cursor = empty.nextSibling;
      for (const turn of turns) {
        const li = rows.get(turn.itemId)?.li;
        if (!li) continue;
        if (cursor !== li) transcript.insertBefore(li, cursor);
        cursor = li.nextSibling;
      }
      empty.hidden = turns.length > 0;
    }
    // Scrolled at the start of the next frame, when layout is clean (no forced layout here).
    if (grew && stick) scrollPending = true;

    drawSession();
  }

  // What was sent while the call starts: pending rows until the kernel sends it.
  let drawnOutbox: unknown = null;
  function drawOutbox(): void {
    if (controller.outbox === drawnOutbox) return;
    drawnOutbox = controller.outbox;
    outbox.replaceChildren(
      ...controller.outbox.map((item) => {
        const li = h("li", "rtw-turn rtw-user rtw-pending");
        li.dataset["pendingId"] = String(item.id);
        const who = h("span", "rtw-who");
        who.textContent = "You";
        const text = h("span", "rtw-text");
        text.textContent = item.label;
        const meta = h("span", "rtw-meta");
        meta.textContent = "waiting for the connection…";
        li.append(who, text, meta);
        return li;
      }),
    );
    outbox.hidden = controller.outbox.length === 0;
  }

  let drawnSessionRev = -1;
  function drawSession(): void {
    const log = controller.eventLog;
    if (log.rev === drawnSessionRev) return;
    drawnSessionRev = log.rev;
    drawPhase();
    drawError();
    usage.draw(log, model.get("price_table"), String(model.get("model") ?? ""));
    const tokenText = log.responses.size > 0 ? (usage.summaryText.textContent ?? "") : "";
    if (tokens.textContent !== tokenText) tokens.textContent = tokenText;
    inspector.draw();
  }
  let drawnPhase = "";
  // The indicators follow the call: with no call (disconnected, failed, kernel gone) all are off.
  function drawPhase(): void {
    const live = String(model.get("status")) === "connected";
    const phase = controller.eventLog.phase;
    const user = live && phase.userSpeaking;
    const thinking = live && phase.thinking;
    const speaking = live && phase.modelSpeaking;
    const phaseKey = `${user}|${thinking}|${speaking}`;
    if (phaseKey === drawnPhase) return;
    drawnPhase = phaseKey;
    userInd.dataset["active"] = String(user);
    thinkInd.dataset["active"] = String(thinking);
    modelInd.dataset["active"] = String(speaking);
    userInd.textContent = user ? "You: speaking" : "You";
    thinkInd.textContent = "Thinking…";
    thinkInd.hidden = !thinking;
    modelInd.textContent = speaking ? "Model: speaking" : "Model";
  }
  let drawnError = "";
  // Marked, not cleared: w.error keeps the last error for Python, and the text may still
  // explain something (a setting the server refused); but once a later turn succeeded it is
  // not the state of the call, so it leaves the alert for a quiet "Earlier" note.
  function drawError(): void {
    const text = String(model.get("error") ?? "");
    const old = text !== "" && controller.eventLog.errorIsOld;
    const key = `${old}|${text}`;
    if (key === drawnError) return;
    drawnError = key;
    error.textContent = old ? "" : text;
    error.hidden = old || text === "";
    oldError.textContent = old ? `Earlier (a later turn succeeded): ${text}` : "";
    oldError.hidden = !old;
  }

  // ---------------------------------------------------------------- scheduling

  let frame: number | null = null;
  let scrollPending = false;
  // A draw is on its way (a frame, or the flood timer then a frame).
  let drawDue = false;
  // Under a flood the page's rendering (style, layout, paint and compositing of the whole
  // JupyterLab page, ~5 ms a frame) costs more than handling the events themselves: an
  // in-page flood reached ~12k events/s drawn every frame against ~20k with the view hidden
  // (benchmarks/delivery.py). Nobody reads thousands of events a second, so after a frame
  // that drew more than FLOOD_EVENTS new records the next draw waits until FLOOD_FRAME_MS
  // after it. A normal session (tens of deltas a second) draws every frame as before.
  let flooding = false;
  let floodTimer: ReturnType<typeof setTimeout> | null = null;
  let drawnSeq = controller.eventLog.nextSeq;
  let drawnAt = Number.NEGATIVE_INFINITY;
  const raf: (cb: () => void) => number =
    typeof requestAnimationFrame === "function" ? (cb) => requestAnimationFrame(cb) : (cb) => Number(setTimeout(cb, 16));
  const caf: (id: number) => void =
    typeof cancelAnimationFrame === "function" ? (id) => cancelAnimationFrame(id) : (id) => clearTimeout(id);
  const clockNow = (): number => (typeof performance !== "undefined" ? performance.now() : Date.now());
  const onFrame = (): void => {
    frame = null;
    if (scrollPending) {
      scrollPending = false;
      // Layout is clean at the start of a frame: these reads cost nothing.
      if (stick) transcript.scrollTop = transcript.scrollHeight;
    }
    // A scroll-only frame, or one that came before the flood timer: the timer draws.
    if (!drawDue || floodTimer !== null) return;
    drawDue = false;
    const seq = controller.eventLog.nextSeq;
    flooding = seq - drawnSeq > FLOOD_EVENTS;
    drawnSeq = seq;
    drawnAt = clockNow();
    drawTraits();
    drawDisplay();
    drawPhase();
    drawOutbox();
    if (scrollPending && frame === null) frame = raf(onFrame);
  };
  const schedule = (): void => {
    if (drawDue) return;
    drawDue = true;
    const wait = flooding ? drawnAt + FLOOD_FRAME_MS - clockNow() : 0;
    if (wait > 0) {
      floodTimer = setTimeout(() => {
        floodTimer = null;
        if (frame === null) frame = raf(onFrame);
      }, wait);
    } else if (frame === null) {
      frame = raf(onFrame);
    }
  };
  const onTrait = (): void => {
    traitsDirty = true;
    schedule();
  };

  const traitEvents = [
    "change:status",
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
  for (const ev of traitEvents) model.on(ev, onTrait);
  const unsubscribe = controller.subscribe(schedule);
  drawTraits();
  drawDisplay();
  drawOutbox();

  return () => {
    unsubscribe();
    for (const ev of traitEvents) model.off(ev, onTrait);
    transcript.removeEventListener("scroll", onTranscriptScroll);
    if (frame !== null) caf(frame);
    frame = null;
    if (floodTimer !== null) clearTimeout(floodTimer);
    floodTimer = null;
    root.removeEventListener("click", onRootClick);
    copyBtn.removeEventListener("click", onCopy);
    jsonlBtn.removeEventListener("click", onDownload);
    transcript.removeEventListener("click", onTranscriptClick);
    meters.dispose();
    clock.dispose();
    proto.dispose();
    settings.dispose();
    connectBtn.removeEventListener("click", onConnectClick);
    muteBtn.removeEventListener("click", onMuteClick);
    form.removeEventListener("submit", onSubmit);
    input.removeEventListener("keydown", onMessageKeydown);
    root.remove();
  };
}

/** More new records than this since the last draw: a flood (see `schedule` in renderView). */
const FLOOD_EVENTS = 200;
/** Under a flood, the view draws at most this often (ms). */
const FLOOD_FRAME_MS = 100;

function newRow(): Row {
  const li = h("li", "rtw-turn");
  const who = h("span", "rtw-who");
  const text = h("span", "rtw-text");
  const meta = h("span", "rtw-meta");
  li.append(who, text, meta);
  return { li, who, text, slot: textSlot(text), rev: -1, meta, metaKey: "" };
}

/** Brings a row up to date with its turn; true when its text changed. */
function fillRow(row: Row, turn: Turn): boolean {
  row.rev = turn.rev;
  const { li, text } = row;
  const className = `rtw-turn rtw-${turn.role} rtw-${turn.status} rtw-kind-${turn.kind}`;
  if (li.className !== className) li.className = className;
  if (li.dataset["itemId"] !== turn.itemId) li.dataset["itemId"] = turn.itemId;
  if (li.dataset["status"] !== turn.status) li.dataset["status"] = turn.status;
  const who = whoOf(turn);
  if (row.who.textContent !== who) row.who.textContent = who;
  const target = turnText(turn);
  const changed = updateTurnText(row.slot, turn, target) !== "same";
  // Tool rows are one compact line (styles.css); the whole call or result is in the tooltip.
  if (turn.kind === "function_call" || turn.kind === "function_output") {
    if (changed || !text.hasAttribute("title")) text.title = target;
  } else if (text.hasAttribute("title")) text.removeAttribute("title");
  return changed;
}

function turnText(turn: Turn): string {
  if (turn.kind === "function_call") return `${turn.name ?? "function"}(${turn.text})`;
  if (turn.status === "failed") return turn.text || `(speech; transcription failed${turn.error ? `: ${turn.error}` : ""})`;
  if (!turn.text && turn.role === "user" && turn.kind === "audio") return turn.status === "partial" ? "(speech…)" : "(speech)";
  // "interrupted" (and how much was heard) is a badge beside the text: view/transcript.ts.
  return turn.text;
}

function h<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}
