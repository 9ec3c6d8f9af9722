// One view of the widget: DOM only. It draws the model-level state, forwards
// clicks to the model-level controller, and cleans up after itself. Text from
// the model or the user goes in with textContent only, never innerHTML.
import type { ModelLike, WidgetController } from "./controller";
import { transcriptOf, type Turn } from "./reducer";

const WHO: Record<Turn["role"], string> = { user: "You", assistant: "Assistant", system: "System", tool: "Tool" };

interface Row {
  li: HTMLLIElement;
  text: HTMLSpanElement;
  rev: number;
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
  const tokens = h("span", "rtw-tokens");
  bar.append(connectBtn, muteBtn, status, activity, tokens);

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
  const empty = h("li", "rtw-empty");
  empty.textContent = "The conversation will appear here.";
  transcript.append(empty);

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

  const counts = h("details", "rtw-counts");
  const countsSummary = h("summary");
  const countsTable = h("table", "rtw-counts-table");
  const countsBody = h("tbody");
  countsTable.append(countsBody);
  counts.append(countsSummary, countsTable);

  const error = h("div", "rtw-error");
  error.setAttribute("role", "alert");

  root.append(bar, badge, transcript, form, counts, error);
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
  const onRootClick = (): void => controller.resumeAudio();
  root.addEventListener("click", onRootClick);
  connectBtn.addEventListener("click", onConnectClick);
  muteBtn.addEventListener("click", onMuteClick);
  form.addEventListener("submit", onSubmit);

  // ---------------------------------------------------------------- drawing

  const rows = new Map<string, Row>();
  let drawnOrderRev = -1;
  let drawnRev = -1;

  function drawTraits(): void {
    const s = String(model.get("status") ?? "idle");
    status.textContent = s;
    root.dataset["status"] = s;
    const active = s === "connecting" || s === "connected";
    connectBtn.textContent = active ? "Disconnect" : "Connect";
    connectBtn.disabled = s === "closing";
    const muted = Boolean(model.get("muted"));
    muteBtn.setAttribute("aria-pressed", String(muted));
    const errorText = String(model.get("error") ?? "");
    error.textContent = errorText;
    error.hidden = errorText === "";
    badge.hidden = model.get("backend") !== "emulator";
  }

  function drawDisplay(): void {
    const state = controller.display;
    if (state.rev === drawnRev) return;
    drawnRev = state.rev;
    const stick = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 24;

    const turns = transcriptOf(state);
    for (const turn of turns) {
      let row = rows.get(turn.itemId);
      if (!row) {
        row = newRow();
        rows.set(turn.itemId, row);
      }
      if (row.rev !== turn.rev) fillRow(row, turn);
    }
    if (state.orderRev !== drawnOrderRev) {
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
    if (stick) transcript.scrollTop = transcript.scrollHeight;

    const flags = state.flags;
    activity.textContent = flags.userSpeaking ? "listening…" : flags.responding || flags.assistantAudio ? "responding…" : "";
    const t = state.totals;
    tokens.textContent = t.responses > 0 ? `${t.input_tokens} in · ${t.output_tokens} out tokens` : "";
    drawCounts();
  }

  function drawCounts(): void {
    const state = controller.display;
    countsSummary.textContent = `${state.events} events received · ${state.counts.size} types`;
    const entries = [...state.counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    while (countsBody.rows.length > entries.length) countsBody.deleteRow(-1);
    entries.forEach(([type, n], i) => {
      const tr = countsBody.rows[i] ?? countsBody.insertRow();
      while (tr.cells.length < 2) tr.insertCell();
      const [nameCell, countCell] = [tr.cells[0], tr.cells[1]];
      if (nameCell && nameCell.textContent !== type) nameCell.textContent = type;
      if (countCell) countCell.textContent = String(n);
    });
  }

  // ---------------------------------------------------------------- scheduling

  let frame: number | null = null;
  const raf: (cb: () => void) => number =
    typeof requestAnimationFrame === "function" ? (cb) => requestAnimationFrame(cb) : (cb) => Number(setTimeout(cb, 16));
  const caf: (id: number) => void =
    typeof cancelAnimationFrame === "function" ? (id) => cancelAnimationFrame(id) : (id) => clearTimeout(id);
  const schedule = (): void => {
    if (frame !== null) return;
    frame = raf(() => {
      frame = null;
      drawTraits();
      drawDisplay();
    });
  };

  const traitEvents = ["change:status", "change:error", "change:muted", "change:backend"];
  for (const ev of traitEvents) model.on(ev, schedule);
  const unsubscribe = controller.subscribe(schedule);
  drawTraits();
  drawDisplay();

  return () => {
    unsubscribe();
    for (const ev of traitEvents) model.off(ev, schedule);
    if (frame !== null) caf(frame);
    frame = null;
    root.removeEventListener("click", onRootClick);
    connectBtn.removeEventListener("click", onConnectClick);
    muteBtn.removeEventListener("click", onMuteClick);
    form.removeEventListener("submit", onSubmit);
    root.remove();
  };
}

function newRow(): Row {
  const li = h("li", "rtw-turn");
  const who = h("span", "rtw-who");
  const text = h("span", "rtw-text");
  li.append(who, text);
  return { li, text, rev: -1 };
}

function fillRow(row: Row, turn: Turn): void {
  row.rev = turn.rev;
  const { li, text } = row;
  li.className = `rtw-turn rtw-${turn.role} rtw-${turn.status} rtw-kind-${turn.kind}`;
  li.dataset["itemId"] = turn.itemId;
  li.dataset["status"] = turn.status;
  const who = li.firstChild as HTMLElement;
  who.textContent = turn.kind === "function_call" ? "Tool call" : WHO[turn.role];
  text.textContent = turnText(turn);
}

function turnText(turn: Turn): string {
  if (turn.kind === "function_call") return `${turn.name ?? "function"}(${turn.text})`;
  if (turn.status === "failed") return turn.text || `(speech; transcription failed${turn.error ? `: ${turn.error}` : ""})`;
  if (!turn.text && turn.role === "user" && turn.kind === "audio") return turn.status === "partial" ? "(speech…)" : "(speech)";
  const suffix = turn.status === "interrupted" ? " — interrupted" : "";
  return turn.text + suffix;
}

function h<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}
