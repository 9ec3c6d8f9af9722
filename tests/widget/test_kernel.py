"""In a real ipykernel: the browser's messages reach the widget, and minting runs on the
kernel's event loop, also while a cell is awaiting.

A behaviour test across modules: widget.py, browser_link.py and secret_rpc.py in a real
ipykernel (still tier 1: no browser).
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

SETUP = """
import os, threading
os.environ.pop("OPENAI_API_KEY", None)
from realtime_widget import RealtimeWidget
from realtime_widget.emulator.background import EmulatorThread
emu = EmulatorThread(api_keys=["k-test-SECRET"]).start()
w = RealtimeWidget(api_key="k-test-SECRET", base_url=emu.base_url)
minted_on = []
_reply = w._secrets._reply
def _spy(msg):
    if msg.get("ok"):
        minted_on.append(threading.current_thread().name)
    _reply(msg)
w._secrets._reply = _spy
print(w.model_id)
"""


@pytest.fixture(scope="module")
def kernel() -> Iterator[BlockingKernelClient]:
    km = KernelManager(kernel_name="python3")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    try:
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def run(kc: BlockingKernelClient, code: str, timeout: float = 60) -> str:
    out: list[str] = []

    def collect(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append("\n".join(msg["content"]["traceback"]))

    reply = kc.execute_interactive(code, timeout=timeout, output_hook=collect)
    text = "".join(out)
    assert reply["content"]["status"] == "ok", text
    return text


def send_custom(kc: BlockingKernelClient, comm_id: str, content: dict[str, Any]) -> None:
    data = {"method": "custom", "content": content}
    kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data}))


def next_custom(kc: BlockingKernelClient, comm_id: str, kind: str, timeout: float = 30) -> Any:
    """The next custom message of `kind` from the widget."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=0.5)
        except queue.Empty:
            continue
        content = msg["content"]
        if msg["msg_type"] == "comm_msg" and content.get("comm_id") == comm_id:
            data = content["data"]
            if data.get("method") == "custom" and data["content"].get("type") == kind:
                return data["content"]
    raise AssertionError(f"no {kind!r} message from the widget within {timeout} s")


def test_rpc_and_events_in_a_real_kernel(kernel: BlockingKernelClient) -> None:
    comm_id = run(kernel, SETUP).strip().splitlines()[-1]
    send_custom(kernel, comm_id, {"type": "rpc", "id": 1, "method": "client_secret"})
    reply = next_custom(kernel, comm_id, "rpc-reply")
    assert reply["id"] == 1 and reply["ok"] is True, reply
    assert reply["result"]["value"].startswith("ek_")
    # Minted on the kernel's own thread: the coroutine ran on ipykernel's asyncio loop.
    assert run(kernel, "print(minted_on)").strip() == "['MainThread']"

    batch = {
        "type": "events",
        "seq": 0,
        "events": [
            {"t": 1.7e12, "dir": "server", "event": {"type": "session.created", "session": {}}},
            {"t": 1.7e12 + 5, "dir": "server", "event": {"type": "rate_limits.updated"}},
        ],
    }
    send_custom(kernel, comm_id, batch)
    assert run(kernel, "print(list(w.events['type']))").strip() == (
        "['session.created', 'rate_limits.updated']"
    )


def test_rpc_answered_while_a_cell_awaits(kernel: BlockingKernelClient) -> None:
    comm_id = run(kernel, "print(w.model_id)").strip()
    kernel.execute("import asyncio\nawait asyncio.sleep(4)\nprint('cell done')")
    time.sleep(0.5)  # let the cell start awaiting
    send_custom(kernel, comm_id, {"type": "rpc", "id": 2, "method": "client_secret"})
    deadline = time.monotonic() + 30
    reply = None
    cell_done = False
    while time.monotonic() < deadline:
        msg = kernel.get_iopub_msg(timeout=10)
        if msg["msg_type"] == "stream" and "cell done" in msg["content"]["text"]:
            cell_done = True
            break
        data = msg["content"].get("data", {})
        if (
            msg["msg_type"] == "comm_msg"
            and data.get("method") == "custom"
            and data["content"].get("type") == "rpc-reply"
        ):
            reply = data["content"]
    assert cell_done
    # The reply came while the cell was still awaiting (before its output).
    assert reply is not None and reply["id"] == 2 and reply["ok"] is True
