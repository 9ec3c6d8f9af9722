// Why the microphone cannot be had, and what fixes it on this host: a pure classifier over
// the getUserMedia error's name and a few facts about the page. A call without a microphone
// goes on listen-only (typed turns, the model's voice), so these words are not an error of
// the call: they say what is off and what the person can do about it where they are.

/** Why there is no microphone. */
export type MicReason =
  /** The person or the browser refused the permission (NotAllowedError, SecurityError). */
  | "denied"
  /** No input device (NotFoundError, OverconstrainedError). */
  | "absent"
  /** The device exists but would not open (NotReadableError, AbortError): another app has it. */
  | "busy"
  /** A secure page without `navigator.mediaDevices` (removed by the browser or the embedding page). */
  | "no-media-devices"
  /** Plain HTTP from another host than localhost: browsers offer no microphone there. */
  | "insecure"
  /** The host refuses microphones to widgets whatever the person does (VS Code's webviews). */
  | "host-blocked"
  /** Any other getUserMedia failure (its name and message are in the text). */
  | "failed";

/** Where the notebook runs, as far as the page can tell. */
export type PageHost = "vscode" | "colab" | "browser";

/** The facts the classifier needs; `pageFacts()` reads them from the page. */
export interface PageFacts {
  host: PageHost;
  /** `window.isSecureContext`. */
  secureContext: boolean;
  /** `navigator.mediaDevices?.getUserMedia` exists. */
  hasMediaDevices: boolean;
  /** `location.origin`, named in the insecure-page text. */
  origin: string;
}

export interface MicProblem {
  reason: MicReason;
  /** One paragraph: what happened, that the call is listen-only, and the fix for this host. */
  message: string;
}

/** What a failed getUserMedia threw, reduced to what classifying needs. */
export interface MicError {
  name: string;
  message: string;
}

const LISTEN_ONLY = "so this call is listen-only: type your turns, the model's voice still plays.";
const RECONNECT = "then press Disconnect and Connect again.";

/** The page's host from its location and globals (pure: the caller reads them). */
export function detectHost(location: { protocol: string; hostname: string }, hasVsCodeApi: boolean): PageHost {
  // VS Code renders notebook outputs in a webview (vscode-webview:// origin, acquireVsCodeApi).
  if (hasVsCodeApi || location.protocol === "vscode-webview:") return "vscode";
  const host = location.hostname.toLowerCase();
  // Colab serves outputs from *.googleusercontent.com frames under colab.research.google.com.
  if (host.endsWith(".googleusercontent.com") || host === "colab.research.google.com" || host.startsWith("colab.")) {
    return "colab";
  }
  return "browser";
}

/** The getUserMedia error as name + message; anything that is not an error object has no name. */
export function micError(err: unknown): MicError {
  if (typeof err === "object" && err !== null) {
    const { name, message } = err as { name?: unknown; message?: unknown };
    return { name: typeof name === "string" ? name : "", message: typeof message === "string" ? message : "" };
  }
  return { name: "", message: String(err) };
}

/**
 * Why there is no microphone and how to get one on this host. `error` is null when
 * getUserMedia was not even called (no `navigator.mediaDevices`). The host and the page's
 * security decide before the error's name: in a VS Code webview or on plain HTTP the
 * browser's error says nothing the person can act on.
 */
export function classifyMicFailure(error: MicError | null, page: PageFacts): MicProblem {
  if (page.host === "vscode") {
    return {
      reason: "host-blocked",
      message:
        `No microphone: VS Code's notebook view does not let widgets use the microphone (microsoft/vscode#119127), ${LISTEN_ONLY} ` +
        "To talk, open this notebook in JupyterLab in a browser, or use the headless RealtimeSession (send_audio) from Python.",
    };
  }
  if (!page.secureContext) {
    return {
      reason: "insecure",
      message:
        `No microphone: this page (${page.origin || "this origin"}) is plain HTTP, and browsers give microphones only to ` +
        `HTTPS pages or http://localhost, ${LISTEN_ONLY} ` +
        "To talk, serve JupyterLab over HTTPS, or reach it through an SSH tunnel to localhost " +
        "(ssh -L 8888:localhost:8888 <server>, then open http://localhost:8888).",
    };
  }
  if (!page.hasMediaDevices || error === null) {
    return {
      reason: "no-media-devices",
      message:
        "No microphone: this page has no navigator.mediaDevices (browsers offer it only to HTTPS pages or http://localhost, " +
        `and some pages that embed notebooks remove it), ${LISTEN_ONLY} ` +
        "To talk, open JupyterLab directly over HTTPS or http://localhost in a browser that allows microphones.",
    };
  }
  const named = error.name ? `${error.name}` : "no error name";
  switch (error.name) {
    case "NotAllowedError":
    case "SecurityError":
      return {
        reason: "denied",
        message:
          `Microphone permission was denied (${named}), ${LISTEN_ONLY} ` +
          (page.host === "colab"
            ? "To talk, allow the microphone for colab.research.google.com (the icon at the left of the address bar, or Site settings), "
            : "To talk, allow microphone access for this page (the icon in the address bar), ") +
          RECONNECT,
      };
    case "NotFoundError":
    case "OverconstrainedError":
      return {
        reason: "absent",
        message: `No microphone was found (${named}), ${LISTEN_ONLY} To talk, connect a microphone (or enable one in the system settings), ${RECONNECT}`,
      };
    case "NotReadableError":
    case "AbortError":
      return {
        reason: "busy",
        message:
          `The microphone could not be opened (${named}); another application may be using it, ${LISTEN_ONLY} ` +
          `To talk, close that application, ${RECONNECT}`,
      };
    default:
      return {
        reason: "failed",
        message:
          `The microphone could not be opened (${error.name ? `${error.name}: ` : ""}${error.message || "no reason given"}), ${LISTEN_ONLY} ` +
          `To talk, check the browser's microphone settings, ${RECONNECT}`,
      };
  }
}

/** The page's facts, read from the browser (the one impure part). */
export function pageFacts(): PageFacts {
  const w = typeof window !== "undefined" ? (window as Window & { acquireVsCodeApi?: unknown }) : undefined;
  const loc = typeof location !== "undefined" ? location : { protocol: "", hostname: "", origin: "" };
  const md = typeof navigator !== "undefined" ? navigator.mediaDevices : undefined;
  return {
    host: detectHost(loc, typeof w?.acquireVsCodeApi === "function"),
    // No window (tests without a DOM) is treated as secure: nothing is known to be wrong.
    secureContext: w?.isSecureContext ?? true,
    hasMediaDevices: typeof md?.getUserMedia === "function",
    origin: loc.origin,
  };
}
