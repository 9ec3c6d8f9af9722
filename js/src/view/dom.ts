// Small DOM helpers shared by the view modules. Text goes in with textContent only.

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function button(className: string, text: string, label?: string): HTMLButtonElement {
  const b = h("button", className, text);
  b.type = "button";
  if (label) b.setAttribute("aria-label", label);
  return b;
}

let ids = 0;
/** A page-unique id (several widgets and views may share a page). */
export function uniqueId(prefix: string): string {
  return `${prefix}-${++ids}`;
}

/** A labelled form control: <label for> + control, wrapped in a div. */
export function field(labelText: string, control: HTMLInputElement | HTMLSelectElement, className = "rtw-field"): HTMLDivElement {
  const wrap = h("div", className);
  control.id ||= uniqueId("rtw-f");
  const label = h("label", undefined, labelText);
  label.htmlFor = control.id;
  wrap.append(label, control);
  return wrap;
}

export function select(options: ReadonlyArray<readonly [value: string, text: string]>): HTMLSelectElement {
  const s = h("select");
  for (const [value, text] of options) {
    const o = h("option", undefined, text);
    o.value = value;
    s.append(o);
  }
  return s;
}

/** Sets a select's value, adding the option first if the value is not one of them (e.g. a dated model). */
export function setSelect(s: HTMLSelectElement, value: string): void {
  if (![...s.options].some((o) => o.value === value)) {
    const o = h("option", undefined, value);
    o.value = value;
    s.append(o);
  }
  if (s.value !== value) s.value = value;
}

/** Copies text; true when the clipboard took it. Works without the async clipboard API too. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (typeof navigator !== "undefined" && navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the textarea way (e.g. clipboard permission refused)
  }
  const area = h("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = typeof document.execCommand === "function" && document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

/** Offers `text` as a file download. */
export function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a");
  a.href = url;
  a.download = filename;
  a.style.display = "none";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** 75 s → "01:15"; 3725 s → "1:02:05". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h_ = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(s).padStart(2, "0");
  return h_ > 0 ? `${h_}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Local wall-clock time of an epoch-ms instant, "14:03:07". */
export function formatClock(tMs: number): string {
  const d = new Date(tMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** Dollars with enough digits to see a single turn's cost move. */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return "unknown";
  if (usd === 0) return "$0.00";
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  if (usd < 1) return `$${usd.toFixed(3)}`;
  return `$${usd.toFixed(2)}`;
}
