// Why there is no microphone and how to fix it on this host (src/transport/mic_access.ts):
// every host × page security × mediaDevices × getUserMedia error name, and the host hints.
import { afterEach, describe, expect, it, vi } from "vitest";
import { classifyMicFailure, detectHost, micError, pageFacts, type MicReason, type PageFacts, type PageHost } from "../../src/transport/mic_access";

const ERROR_NAMES = ["NotAllowedError", "SecurityError", "NotFoundError", "OverconstrainedError", "NotReadableError", "AbortError", "TypeError", ""];
const HOSTS: PageHost[] = ["browser", "colab", "vscode"];

function facts(over: Partial<PageFacts> = {}): PageFacts {
  return { host: "browser", secureContext: true, hasMediaDevices: true, origin: "http://localhost:8888", ...over };
}

/** The reason the table below expects, written independently of the implementation's order. */
function expectedReason(host: PageHost, secure: boolean, hasMediaDevices: boolean, name: string | null): MicReason {
  if (host === "vscode") return "host-blocked";
  if (!secure) return "insecure";
  if (!hasMediaDevices || name === null) return "no-media-devices";
  const byName: Record<string, MicReason> = {
    NotAllowedError: "denied",
    SecurityError: "denied",
    NotFoundError: "absent",
    OverconstrainedError: "absent",
    NotReadableError: "busy",
    AbortError: "busy",
  };
  return byName[name] ?? "failed";
}

/** The fix each reason must name (what the person can do there). */
const FIX: Record<MicReason, RegExp> = {
  "host-blocked": /VS Code.*microsoft\/vscode#119127.*JupyterLab in a browser.*headless RealtimeSession/,
  insecure: /plain HTTP.*HTTPS.*SSH tunnel to localhost.*ssh -L 8888:localhost:8888/,
  "no-media-devices": /navigator\.mediaDevices.*HTTPS.*http:\/\/localhost/,
  denied: /Microphone permission was denied.*allow/,
  absent: /No microphone was found.*connect a microphone/,
  busy: /could not be opened.*another application.*close that application/,
  failed: /could not be opened.*check the browser's microphone settings/,
};

describe("classifyMicFailure", () => {
  const cases: Array<[PageHost, boolean, boolean, string | null]> = [];
  for (const host of HOSTS)
    for (const secure of [true, false])
      for (const md of [true, false]) for (const name of [...ERROR_NAMES, null]) cases.push([host, secure, md, name]);

  it.each(cases)("host %s, secure %s, mediaDevices %s, error %s", (host, secure, md, name) => {
    const problem = classifyMicFailure(name === null ? null : { name, message: "the browser's words" }, facts({ host, secureContext: secure, hasMediaDevices: md }));
    const reason = expectedReason(host, secure, md, name);
    expect(problem.reason).toBe(reason);
    expect(problem.message).toMatch(FIX[reason]);
    // Every text says the call goes on without the microphone.
    expect(problem.message).toContain("listen-only");
  });

  it("names the error it classified, and an unknown one with its message", () => {
    expect(classifyMicFailure({ name: "NotAllowedError", message: "" }, facts()).message).toContain("(NotAllowedError)");
    expect(classifyMicFailure({ name: "NotFoundError", message: "" }, facts()).message).toContain("(NotFoundError)");
    const odd = classifyMicFailure({ name: "TypeError", message: "constraints are wrong" }, facts()).message;
    expect(odd).toContain("TypeError: constraints are wrong");
    expect(classifyMicFailure({ name: "", message: "" }, facts()).message).toContain("no reason given");
  });

  it("a denial on Colab says to allow the microphone for Colab's site; elsewhere for this page", () => {
    const colab = classifyMicFailure({ name: "NotAllowedError", message: "" }, facts({ host: "colab" })).message;
    expect(colab).toContain("allow the microphone for colab.research.google.com");
    const plain = classifyMicFailure({ name: "NotAllowedError", message: "" }, facts()).message;
    expect(plain).toContain("allow microphone access for this page");
    expect(plain).not.toContain("colab");
  });

  it("the insecure text names the page's origin", () => {
    const text = classifyMicFailure(null, facts({ secureContext: false, hasMediaDevices: false, origin: "http://10.1.2.3:8888" })).message;
    expect(text).toContain("(http://10.1.2.3:8888) is plain HTTP");
  });
});

describe("detectHost", () => {
  it.each([
    [{ protocol: "vscode-webview:", hostname: "1a2b3c" }, false, "vscode"],
    [{ protocol: "https:", hostname: "localhost" }, true, "vscode"],
    [{ protocol: "https:", hostname: "abc-0-colab.googleusercontent.com" }, false, "colab"],
    [{ protocol: "https:", hostname: "colab.research.google.com" }, false, "colab"],
    [{ protocol: "https:", hostname: "Colab.Research.Google.com" }, false, "colab"],
    [{ protocol: "http:", hostname: "localhost" }, false, "browser"],
    [{ protocol: "https:", hostname: "hub.example.org" }, false, "browser"],
    [{ protocol: "https:", hostname: "googleusercontent.com.example.org" }, false, "browser"],
  ] as const)("%j with acquireVsCodeApi %s → %s", (loc, vscodeApi, host) => {
    expect(detectHost(loc, vscodeApi)).toBe(host);
  });
});

describe("micError", () => {
  it("reads name and message from DOMExceptions, errors and plain objects; anything else has no name", () => {
    expect(micError(new DOMException("nope", "NotAllowedError"))).toEqual({ name: "NotAllowedError", message: "nope" });
    expect(micError(Object.assign(new Error("x"), { name: "NotFoundError" }))).toEqual({ name: "NotFoundError", message: "x" });
    expect(micError({ name: 3, message: null })).toEqual({ name: "", message: "" });
    expect(micError("a string")).toEqual({ name: "", message: "a string" });
  });
});

describe("pageFacts (read from the page)", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("sees a VS Code webview by its acquireVsCodeApi global, and a missing mediaDevices", () => {
    vi.stubGlobal("acquireVsCodeApi", () => ({}));
    vi.stubGlobal("navigator", {});
    const page = pageFacts();
    expect(page.host).toBe("vscode");
    expect(page.hasMediaDevices).toBe(false);
    expect(page.origin).toBe(location.origin);
  });

  it("a page with getUserMedia and no VS Code API is a browser page", () => {
    vi.stubGlobal("navigator", { mediaDevices: { getUserMedia: async () => undefined } });
    const page = pageFacts();
    expect(page.host).toBe("browser");
    expect(page.hasMediaDevices).toBe(true);
  });
});
