"""The view a voice-agent builder expects, end to end in JupyterLab (issue 8).

Real JupyterLab, Chromium with a fake microphone playing speech-like audio, WebRTC to the
emulator. Checks that the level meters follow the actual tracks and stop on disconnect,
that the view's cost equals `w.cost()` in the kernel, that the settings panel edits the
Python traits, and makes the light and dark screenshots `docs/view-light.png` and
`docs/view-dark.png`, and the narrow `docs/view-400px.png` (all made by
`test_meters_cost_settings_and_themes`; written to test-artifacts/docs/ unless REFRESH_DOCS=1).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from support.view_text import format_usd

from .conftest import OpenNotebook
from .lab import DOCS_SHOTS, AttachedKernel, NotebookPage, PageProblems

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

QUICKSTART = "quickstart.ipynb"
WIDGET_CELL = 1
DOCS = DOCS_SHOTS
KERNEL_PROBE = (Path(__file__).parent / "kernel_probe.py").read_text(encoding="utf-8")


def meter_level(view: Locator, which: str) -> float:
    return float(view.locator(f".rtw-meter-{which}").get_attribute("data-level") or "0")


def wait_meter_above(page: Page, view: Locator, which: str, level: float, timeout_ms: int) -> None:
    handle = view.locator(f".rtw-meter-{which}").element_handle()
    page.wait_for_function(
        "([el, level]) => Number(el.dataset.level) > level",
        arg=[handle, level],
        timeout=timeout_ms,
        polling=50,
    )


def set_theme(page: Page, theme: str) -> None:
    page.evaluate(
        "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme
    )
    page.wait_for_function(
        "(theme) => document.body.dataset.jpThemeName === theme", arg=theme, timeout=15_000
    )
    page.wait_for_timeout(300)  # let the theme's CSS variables apply before the screenshot


def test_meters_cost_settings_and_themes(
    open_notebook: OpenNotebook, page_problems: PageProblems
) -> None:
    notebook: NotebookPage = open_notebook(QUICKSTART)
    notebook.run_all()
    kernel: AttachedKernel = notebook.kernel()
    kernel.run(KERNEL_PROBE)
    page = notebook.page
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    view = notebook.output_of(WIDGET_CELL)
    expect(view.get_by_role("button", name="Connect", exact=True)).to_be_visible(timeout=30_000)
    meters = view.locator(".rtw-meters")
    expect(meters).to_have_attribute("data-running", "false")
    assert meter_level(view, "mic") == 0

    view.get_by_role("button", name="Connect", exact=True).click()
    expect(view.get_by_role("status")).to_have_text(re.compile(r"\bconnected\b"), timeout=30_000)
    kernel.wait_for("w.status == 'connected'", timeout=15, what="w.status")

    # The fake microphone plays speech-like audio: the mic meter moves, the clock runs.
    expect(meters).to_have_attribute("data-running", "true")
    wait_meter_above(page, view, "mic", 0.2, 15_000)
    expect(view.locator(".rtw-clock")).to_contain_text("left")

    # The emulator hears the speech and answers with audio: the model's meter moves too.
    wait_meter_above(page, view, "model", 0.05, 30_000)
    expect(view.locator(".rtw-latency").first).to_have_text(re.compile(r"^\d+ ms$"), timeout=30_000)

    # Mute: the looping speech file would otherwise start turn after turn.
    view.get_by_role("button", name="Mute microphone").click()
    kernel.wait_for("e2e_settled(w)", timeout=30, what="the voice turn to finish")
    assert view.locator(".rtw-error").is_hidden(), view.locator(".rtw-error").inner_text()

    # Settings edit the Python traits (one path with w.noise_reduction = ...), and follow them.
    view.locator(".rtw-settings > summary").click()
    view.get_by_label("Noise reduction").select_option("near_field")
    kernel.wait_for("w.noise_reduction == 'near_field'", timeout=10, what="w.noise_reduction")
    kernel.run("w.turn_detection = {'type': 'server_vad', 'silence_duration_ms': 650}")
    expect(view.get_by_label("Silence to end a turn (ms)")).to_have_value("650")
    # The model has spoken, so the voice is locked, as the API requires.
    expect(view.get_by_label("Voice")).to_be_disabled()

    # The same dollars as Python's w.cost(), once both sides have every event.
    kernel.wait_for("e2e_settled(w)", timeout=30, what="the session to settle")
    view.locator(".rtw-usage > summary").click()
    usd = kernel.eval("w.cost()")
    expect(view.locator(".rtw-usage-table tbody tr").nth(1).locator(".rtw-usd")).to_have_text(
        format_usd(usd), timeout=10_000
    )
    expect(view.locator(".rtw-usage-note")).to_contain_text("gpt-realtime")

    # The inspector shows a type's raw JSON.
    view.locator(".rtw-inspector > summary").click()
    view.get_by_role("button", name="Show the response.done events").click()
    first = view.locator(".rtw-event details").first
    first.locator("summary").click()
    expect(first.locator("pre")).to_contain_text('"type": "response.done"')

    DOCS.mkdir(parents=True, exist_ok=True)
    first.locator("summary").click()  # collapse the JSON again: the picture shows the layout
    widget = view.locator(".rtw")
    page.set_viewport_size({"width": 1000, "height": 2000})
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=str(DOCS / "view-light.png"))
    set_theme(page, "JupyterLab Dark")
    widget.screenshot(path=str(DOCS / "view-dark.png"))
    set_theme(page, "JupyterLab Light")

    # Usable at 400 px: nothing sticks out sideways (the usage table scrolls inside its box).
    widget.evaluate("el => { el.style.width = '400px'; }")
    overflow = widget.evaluate("el => el.scrollWidth - el.clientWidth")
    wide = widget.evaluate(
        """el => { const right = el.getBoundingClientRect().right;
          return [...el.querySelectorAll('*')]
            .filter(n => n.getBoundingClientRect().right > right + 0.5 && n.getClientRects().length
              && !n.parentElement.closest('.rtw-usage-scroll'))
            .slice(0, 5)
            .map(n => `${n.tagName}.${n.className} ${Math.round(n.getBoundingClientRect().width)}`);
        }"""
    )
    assert overflow <= 0, f"the widget at 400 px is {overflow} px too wide: {wide}"
    expect(view.get_by_role("button", name="Disconnect", exact=True)).to_be_visible()
    widget.screenshot(path=str(DOCS / "view-400px.png"))
    widget.evaluate("el => { el.style.width = ''; }")

    # Disconnect: the meters stop and fall to zero while the fake mic keeps playing.
    view.get_by_role("button", name="Disconnect", exact=True).click()
    expect(view.get_by_role("status")).to_have_text("idle", timeout=15_000)
    expect(meters).to_have_attribute("data-running", "false")
    assert meter_level(view, "mic") == 0
    assert meter_level(view, "model") == 0
    page.wait_for_timeout(500)
    assert meter_level(view, "mic") == 0
    expect(view.locator(".rtw-clock")).to_be_hidden()
    assert view.locator(".rtw-error").is_hidden(), view.locator(".rtw-error").inner_text()
    assert page_problems.unexpected_console_errors() == []
