"""Starting the emulator from outside: the command line and the background thread.

Covers __main__.py (the command line) and background.py (EmulatorThread, shared_emulator).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from realtime_widget.emulator import EmulatorThread, Faults, HttpFault, shared_emulator

REPO = Path(__file__).resolve().parents[2]
URL = re.compile(r"http://127\.0\.0\.1:(\d+)")


@pytest.fixture
def cli() -> Iterator[subprocess.Popen[str]]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "realtime_widget.emulator",
            "--port",
            "0",
            "--api-key",
            "sk-one",
            "--api-key",
            "sk-two",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def first_url(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()  # flushed at once, so this does not wait for exit
    match = URL.search(line)
    assert match, f"first line has no base URL: {line!r}"
    return match.group(0)


def mint_status(base_url: str, key: str) -> int:
    response = httpx.post(
        f"{base_url}/v1/realtime/client_secrets",
        json={"session": {"type": "realtime"}},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    return response.status_code


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_url_first_and_stops_on_signal(
    cli: subprocess.Popen[str], sig: signal.Signals
) -> None:
    base_url = first_url(cli)
    assert mint_status(base_url, "sk-one") == 200
    assert mint_status(base_url, "sk-two") == 200
    assert mint_status(base_url, "sk-three") == 401  # --api-key restricts
    cli.send_signal(sig)
    assert cli.wait(15) == 0
    assert cli.stderr is not None
    assert "Traceback" not in cli.stderr.read()
    with pytest.raises(httpx.ConnectError):
        mint_status(base_url, "sk-one")


def test_cli_rejects_bad_arguments() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "realtime_widget.emulator", "--max-session-seconds", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert done.returncode == 2
    assert "--max-session-seconds" in done.stderr


def test_emulator_thread_serves_and_changes_faults_live() -> None:
    with EmulatorThread(api_keys=["sk-bg"]) as bg:
        assert URL.fullmatch(bg.base_url)
        assert mint_status(bg.base_url, "sk-bg") == 200
        assert mint_status(bg.base_url, "sk-other") == 401
        bg.set_faults(client_secrets=HttpFault(503, {"error": {"message": "down"}}, times=1))
        assert mint_status(bg.base_url, "sk-bg") == 503
        assert mint_status(bg.base_url, "sk-bg") == 200
        stats = bg.stats()
        assert stats["client_secret_requests"] == {200: 2, 401: 1, 503: 1}
        assert stats["calls_created"] == 0 and stats["active_calls"] == 0
        assert bg.call(lambda emu: isinstance(emu.faults, Faults))
        with pytest.raises(AttributeError):
            bg.set_faults(no_such_switch=True)
        base_url = bg.base_url
    assert not bg.running
    with pytest.raises(httpx.ConnectError):
        mint_status(base_url, "sk-bg")


def test_shared_emulator_is_one_per_process() -> None:
    first = shared_emulator()
    assert shared_emulator() is first
    assert first.running
    assert mint_status(first.base_url, "any-non-empty-key") == 200
    no_key = httpx.post(f"{first.base_url}/v1/realtime/client_secrets", json={}, timeout=10)
    assert no_key.status_code == 401
