"""No microphone and no autoplay, in real JupyterLab + headless Chromium + the built-in emulator.

- The microphone permission denied (`--deny-permission-prompts`, no permission granted): the
  call connects listen-only (a receive-only audio transceiver, no audio sent), a typed turn
  is answered and its voice plays, and the view and `w.error` name the denial and its fix.
- `navigator.mediaDevices` removed before the page loads: the HTTPS message, listen-only.
- A page with VS Code's webview API (`acquireVsCodeApi`): the VS Code message, listen-only,
  and the microphone never asked for.
- A real non-localhost HTTP origin (a host alias Chromium resolves to 127.0.0.1, so the page
  is not a secure context): the plain-HTTP message with the SSH-tunnel fix, listen-only.
- Autoplay blocked (`--autoplay-policy=user-gesture-required`) and `w.connect()` from Python
  with no click on the page: "Click to enable audio" appears, the call goes on meanwhile, and
  the click starts the voice and resumes the meters' audio context (suspended at creation by
  an init script, as Safari and Chrome's default policy do: under this flag Chromium holds
  media elements only). Playwright's own calls count as user gestures, so until that click
  the page is read over CDP only, and the page is asserted never to have had a gesture.

Each test launches its own Chromium (the package's browser grants the microphone and allows
autoplay); one JupyterLab serves the module, allowed to answer the alias's Host header.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.support.chromium import (
    AUTOPLAY_NEEDS_GESTURE,
    AUTOPLAY_WITHOUT_GESTURE,
    CHROMIUM_ARGS,
    DENY_PERMISSION_PROMPTS,
    chromium_executable,
    with_host_aliases,
    without,
)

from .lab import (
    ARTIFACTS,
    AttachedKernel,
    LabServer,
    NotebookPage,
    PageProblems,
    start_lab,
    wait_until,
    write_notebook,
)
from .test_widget_e2e import CONNECTED, KERNEL_PROBE, type_message, wait_assistant_reply

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

#: A name for this machine that is not localhost: pages from it are plain-HTTP remote pages.
ALIAS = "notebook-server.test"

CELLS = [
    (
        "code",
        # No key: the built-in emulator. Muted, so that the fake microphone (when there is
        # one) never makes a voice turn that would interrupt a typed one.
        "from realtime_widget import RealtimeWidget\nw = RealtimeWidget(muted=True)\nw",
    )
]

#: Keeps the audio elements and peers the page creates, so the test can read what plays.
TAP_AUDIO_AND_PEERS = """(() => {
  window.__rtwAudio = [];
  const create = Document.prototype.createElement;
  Document.prototype.createElement = function (tag, options) {
    const el = create.call(this, tag, options);
    if (String(tag).toLowerCase() === 'audio') window.__rtwAudio.push(el);
    return el;
  };
  window.__rtwAudioContexts = [];
  const AC = window.AudioContext;
  if (AC) {
    window.AudioContext = class extends AC {
      constructor(...args) { super(...args); window.__rtwAudioContexts.push(this); }
    };
  }
  window.__rtwPeers = [];
  const PC = window.RTCPeerConnection;
  if (PC) {
    window.RTCPeerConnection = class extends PC {
      constructor(...args) { super(...args); window.__rtwPeers.push(this); }
    };
  }
})()"""

#: Before any script of the page: as a browser or an embedding page without it.
REMOVE_MEDIA_DEVICES = "delete Navigator.prototype.mediaDevices;"

#: Chromium's user-gesture-required policy holds media elements only; its Web Audio contexts
#: start running. Safari and Chrome's default policy start them suspended until a gesture:
#: so does this, for the click's resume to be seen.
SUSPEND_NEW_AUDIO_CONTEXTS = """(() => {
  const AC = window.AudioContext;
  if (!AC) return;
  window.AudioContext = class extends AC {
    constructor(...args) { super(...args); this.suspend(); }
  };
})()"""

#: The model's voice element: playing, how far, and what it plays.
JS_VOICE = """() => {
  const a = window.__rtwAudio.find((el) => el.srcObject);
  return a ? {paused: a.paused, time: a.currentTime, tracks: a.srcObject.getAudioTracks().length}
           : null;
}"""

#: The live peer: its audio transceivers' directions, tracks we send, audio packets received.
JS_PEER = """async () => {
  const pc = window.__rtwPeers.filter((p) => p.connectionState !== 'closed').pop();
  if (!pc) return null;
  let packets = 0;
  (await pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') packets += r.packetsReceived || 0;
  });
  return {
    directions: pc.getTransceivers().map((t) => t.currentDirection),
    sending: pc.getSenders().filter((s) => s.track).length,
    packets,
  };
}"""


@dataclass
class AliasedLab(LabServer):
    """The same server, opened in the page through a host alias instead of 127.0.0.1."""

    alias: str = ""

    def page_url(self, notebook: str) -> str:
        return super().page_url(notebook).replace("127.0.0.1", self.alias, 1)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    base = tmp_path_factory.mktemp("lab-no-mic")
    # Jupyter refuses a Host header that is not local unless remote access is allowed.
    config = base / "config"
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"allow_remote_access": True}}), encoding="utf-8"
    )
    server = start_lab(base, [])
    try:
        yield server
    finally:
        server.close()


Launch = Callable[..., Page]


@pytest.fixture
def launch(browser: Browser) -> Iterator[Launch]:
    """A Chromium with these flags and one page in a context with these permissions; closed
    after the test. Launched by the package's Playwright (`browser`'s): a second sync
    Playwright in the same thread refuses to start."""
    with contextlib.ExitStack() as stack:

        def launch_(
            args: Sequence[str], *, permissions: Sequence[str], init_scripts: Sequence[str] = ()
        ) -> Page:
            own = browser.browser_type.launch(
                executable_path=chromium_executable(), headless=True, args=list(args)
            )
            stack.callback(own.close)
            context = own.new_context(
                viewport={"width": 1280, "height": 900}, permissions=list(permissions)
            )
            stack.callback(context.close)
            for script in (TAP_AUDIO_AND_PEERS, *init_scripts):
                context.add_init_script(script)
            page = context.new_page()
            page.set_default_timeout(30_000)
            return page

        yield launch_


@dataclass
class OpenWidget:
    notebook: NotebookPage
    kernel: AttachedKernel
    view: Locator
    problems: PageProblems


@pytest.fixture
def open_widget(
    lab: LabServer, request: pytest.FixtureRequest
) -> Iterator[Callable[..., OpenWidget]]:
    """The widget's notebook in `page` (through `lab`, or an alias of it), run, probe loaded."""
    opened: list[tuple[NotebookPage, Path]] = []

    def open_(page: Page, via: LabServer = lab) -> OpenWidget:
        name = re.sub(r"[^\w.-]", "_", f"no-mic-{request.node.name}.ipynb")
        path = write_notebook(lab.root_dir / name, CELLS)
        problems = PageProblems()
        problems.watch(page)
        notebook = NotebookPage(page, via, name)
        opened.append((notebook, path))
        notebook.open()
        notebook.run_all()
        kernel = notebook.kernel()
        kernel.run(KERNEL_PROBE)
        view = notebook.output_of(0)
        expect(view.get_by_role("button", name="Connect", exact=True)).to_be_visible(timeout=30_000)
        return OpenWidget(notebook, kernel, view, problems)

    yield open_
    for notebook, path in opened:
        notebook.close()
        path.unlink(missing_ok=True)


def click_connect(w: OpenWidget) -> None:
    w.view.get_by_role("button", name="Connect", exact=True).click()
    expect(w.view.get_by_role("status")).to_have_text(CONNECTED, timeout=30_000)
    w.kernel.wait_for("w.status == 'connected'", timeout=20, what="w.status connected")


def peer(page: Page) -> dict[str, Any]:
    state: dict[str, Any] | None = page.evaluate(JS_PEER)
    assert state is not None, "the page has no live peer connection"
    return state


def assert_listen_only(w: OpenWidget, reason: str, *words: str) -> str:
    """Connected without a microphone: the line, w.error, Mute and the peer all say so."""
    line = w.view.locator(".rtw-listen-only")
    expect(line).to_be_visible()
    expect(line).to_have_attribute("data-reason", reason)
    text = line.locator(".rtw-listen-only-text").inner_text()
    for word in ("listen-only", *words):
        assert word in text, f"{word!r} not in the listen-only line: {text!r}"
    # The same words reach Python; the status stays connected (a working call, not an error).
    assert w.kernel.eval("w.error") == text
    assert w.kernel.eval("w.status") == "connected"
    # Said once, not also as an alert.
    expect(w.view.locator(".rtw-error")).to_be_hidden()
    mute = w.view.locator(".rtw-mute")
    expect(mute).to_be_disabled()
    expect(mute).to_have_text("Microphone unavailable")
    # Receive-only audio: the offer still carried audio, and nothing is sent.
    state = peer(w.notebook.page)
    assert state["directions"].count("recvonly") == 1, state
    assert state["sending"] == 0, state
    return text


def assert_typed_turn_answered_aloud(w: OpenWidget, typed: str) -> None:
    """A typed turn gets its reply in the transcript, and the reply's voice plays."""
    type_message(w.view, typed)
    reply = wait_assistant_reply(w.kernel, after=0)
    expect(w.view.locator(".rtw-transcript")).to_contain_text(typed)
    expect(w.view.locator(".rtw-transcript")).to_contain_text(reply, timeout=15_000)
    page = w.notebook.page
    page.wait_for_function(
        "() => { const a = window.__rtwAudio.find((el) => el.srcObject);"
        " return !!a && !a.paused && a.currentTime > 0; }",
        timeout=30_000,
    )
    page.wait_for_function(f"async () => ({JS_PEER})().then((s) => !!s && s.packets > 0)")
    # The emulator got no audio from us for this call, and sent its voice.
    stats = w.kernel.eval("e2e_emulator_engine_stats(w.call_id)")
    assert stats["mic_frames"] == 0, stats
    assert stats["server_events"].get("output_audio_buffer.started", 0) >= 1, stats


def test_denied_microphone_connects_listen_only_and_a_typed_turn_is_answered_aloud(
    launch: Launch, open_widget: Callable[..., OpenWidget]
) -> None:
    page = launch(
        [
            *without("--use-fake-ui-for-media-stream"),
            DENY_PERMISSION_PROMPTS,
            AUTOPLAY_WITHOUT_GESTURE,
        ],
        permissions=[],
    )
    w = open_widget(page)
    click_connect(w)
    text = assert_listen_only(
        w, "denied", "Microphone permission was denied (NotAllowedError)", "allow microphone access"
    )
    assert "Disconnect and Connect again" in text
    assert_typed_turn_answered_aloud(w, "Hello without a microphone")
    w.notebook.screenshot("no-mic-denied", w.view)
    # Hanging up ends the call as usual; the next Connect starts clean (w.error cleared first).
    w.view.get_by_role("button", name="Disconnect", exact=True).click()
    w.kernel.wait_for("w.status == 'idle'", timeout=15, what="idle after Disconnect")
    expect(w.view.locator(".rtw-listen-only")).to_be_hidden()
    assert w.problems.page_errors == []


def test_no_media_devices_gives_the_https_message_and_listen_only(
    launch: Launch, open_widget: Callable[..., OpenWidget]
) -> None:
    page = launch(
        [*CHROMIUM_ARGS, AUTOPLAY_WITHOUT_GESTURE],
        permissions=["microphone"],
        init_scripts=[REMOVE_MEDIA_DEVICES],
    )
    w = open_widget(page)
    assert page.evaluate("() => window.isSecureContext && !('mediaDevices' in navigator)")
    click_connect(w)
    assert_listen_only(w, "no-media-devices", "navigator.mediaDevices", "HTTPS", "http://localhost")
    assert_typed_turn_answered_aloud(w, "Hello from a page without mediaDevices")
    assert w.problems.page_errors == []


#: What a VS Code webview has (and a browser page has not); getUserMedia calls are counted.
LOOK_LIKE_VS_CODE = """(() => {
  window.acquireVsCodeApi = () => ({postMessage() {}, getState() {}, setState() {}});
  window.__rtwMicAsks = 0;
  const md = navigator.mediaDevices;
  const gum = md.getUserMedia.bind(md);
  md.getUserMedia = (c) => { window.__rtwMicAsks++; return gum(c); };
})()"""


def test_a_vs_code_webview_is_listen_only_without_asking_for_the_microphone(
    launch: Launch, open_widget: Callable[..., OpenWidget]
) -> None:
    page = launch(
        [*CHROMIUM_ARGS, AUTOPLAY_WITHOUT_GESTURE],
        permissions=["microphone"],
        init_scripts=[LOOK_LIKE_VS_CODE],
    )
    w = open_widget(page)
    click_connect(w)
    assert_listen_only(
        w, "host-blocked", "microsoft/vscode#119127", "JupyterLab in a browser", "RealtimeSession"
    )
    # Not even asked: a webview's prompt may never come, and would hold the call.
    assert page.evaluate("() => window.__rtwMicAsks") == 0
    assert w.problems.page_errors == []


def test_a_plain_http_remote_origin_gives_the_insecure_message_and_listen_only(
    launch: Launch, open_widget: Callable[..., OpenWidget], lab: LabServer
) -> None:
    page = launch(
        with_host_aliases([*CHROMIUM_ARGS, AUTOPLAY_WITHOUT_GESTURE], ALIAS),
        permissions=["microphone"],
    )
    aliased = AliasedLab(
        url=lab.url,
        token=lab.token,
        root_dir=lab.root_dir,
        runtime_dir=lab.runtime_dir,
        log_path=lab.log_path,
        proc=lab.proc,
        started_in_s=lab.started_in_s,
        alias=ALIAS,
    )
    # The module's server and its API client: the alias only changes what the page opens.
    aliased.http.close()
    aliased.http = lab.http
    w = open_widget(page, aliased)
    origin = page.evaluate("() => location.origin")
    assert origin.startswith(f"http://{ALIAS}:"), origin
    assert page.evaluate("() => window.isSecureContext") is False
    click_connect(w)
    assert_listen_only(w, "insecure", f"({origin}) is plain HTTP", "HTTPS", "SSH tunnel")
    assert_typed_turn_answered_aloud(w, "Hello over plain HTTP")
    assert w.problems.page_errors == []


class QuietReader:
    """Reads the page over CDP without a user gesture.

    Playwright runs its own evaluations (locators and expect too) as user gestures, which
    unlock autoplay for the page for good; until the test clicks, only this may look.
    """

    def __init__(self, page: Page) -> None:
        self._cdp = page.context.new_cdp_session(page)

    def eval(self, expression: str) -> Any:
        reply = self._cdp.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in reply:
            raise AssertionError(f"{expression!r} failed in the page: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def wait(self, expression: str, *, what: str, timeout: float = 30.0) -> Any:
        return wait_until(lambda: self.eval(expression) or None, timeout=timeout, what=what)

    def screenshot(self, name: str) -> Path:
        """The viewport, straight from CDP (Playwright's screenshot is a gesture too)."""
        shot = self._cdp.send("Page.captureScreenshot", {"format": "png"})
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def activated(self) -> bool:
        return bool(self.eval("navigator.userActivation.hasBeenActive"))


def test_blocked_autoplay_shows_enable_audio_and_a_click_starts_the_voice(
    launch: Launch, open_widget: Callable[..., OpenWidget], lab: LabServer
) -> None:
    page = launch(
        [*CHROMIUM_ARGS, AUTOPLAY_NEEDS_GESTURE],
        permissions=["microphone"],
        init_scripts=[SUSPEND_NEW_AUDIO_CONTEXTS],
    )
    w = open_widget(page)
    # Opening and running the notebook went through Playwright (user gestures): saved and
    # opened again on the same kernel, the page is new and has had no gesture at all.
    w.notebook.save()
    page.goto(lab.page_url(w.notebook.notebook))
    quiet = QuietReader(page)
    quiet.wait("!!document.querySelector('.rtw-connect')", what="the widget's view after reopening")
    assert not quiet.activated(), "the reopened page already had a user gesture"

    # From Python, so nothing on the page was clicked.
    w.kernel.run("w.connect()")
    w.kernel.wait_for("w.status == 'connected'", timeout=30, what="w.status connected")
    shown = "(() => { const b = document.querySelector('.rtw-enable-audio');"
    shown += " return !!b && !b.hidden && b.textContent === 'Click to enable audio'; })()"
    quiet.wait(shown, what="the 'Click to enable audio' control")
    voice = quiet.eval(f"({JS_VOICE})()")
    assert voice is not None and voice["paused"] is True and voice["tracks"] == 1, voice
    # The call goes on meanwhile: a typed turn is answered while the voice is held.
    w.kernel.run("w.send_text('Hello while the audio is blocked')")
    reply = wait_assistant_reply(w.kernel, after=0)
    quiet.wait(
        f"document.querySelector('.rtw-transcript').textContent.includes({json.dumps(reply)})",
        what="the reply in the transcript",
    )
    assert w.kernel.eval("w.status") == "connected"
    quiet.screenshot("no-mic-autoplay-blocked")
    contexts = "window.__rtwAudioContexts.map((c) => c.state)"
    assert quiet.eval(contexts) == ["suspended"], quiet.eval(contexts)
    assert not quiet.activated()

    # The click is the gesture the browser waits for: the voice plays and time advances.
    view = w.notebook.output_of(0)
    enable = view.get_by_role("button", name=re.compile("^Click to enable audio"))
    enable.click()
    expect(enable).to_be_hidden()
    page.wait_for_function(
        "() => { const a = window.__rtwAudio.find((el) => el.srcObject);"
        " return !!a && !a.paused && a.currentTime > 0; }"
    )
    started = page.evaluate(JS_VOICE)["time"]
    page.wait_for_function(
        "(t) => window.__rtwAudio.find((el) => el.srcObject).currentTime > t", arg=started
    )
    # The meters' audio context was resumed: it runs, and the model meter moves with the
    # next reply's voice.
    page.wait_for_function(f"() => {contexts}.every((s) => s === 'running')")
    w.kernel.run("w.send_text('And now out loud')")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.rtw-meter-model')]"
        ".some((m) => Number(m.dataset.level) > 0)",
        timeout=30_000,
    )
    assert w.problems.page_errors == []
