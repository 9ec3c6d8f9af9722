"""The notebooks' shipped audio: `notebooks/data/spoken_turn.wav` (notebooks/headless.ipynb's
spoken turn) is exactly what its committed script makes, in the format the notebook says,
and the emulator's voice activity detection hears it as one spoken turn.

A behaviour test of `notebooks/data/make_spoken_turn.py` with `realtime_widget.session_audio`
(reading and resampling) and `realtime_widget.emulator.vad` (what the emulator hears).
"""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import numpy as np

from realtime_widget import session_audio
from realtime_widget.emulator.vad import EnergyVad, VadConfig, VadEvent

DATA = Path(__file__).resolve().parents[1] / "notebooks" / "data"
WAV = DATA / "spoken_turn.wav"
SCRIPT = DATA / "make_spoken_turn.py"
MAX_BYTES = 100_000


def test_the_wav_is_what_its_script_makes(tmp_path: Path) -> None:
    out = tmp_path / "regenerated.wav"
    # -B: no __pycache__ beside the script; run as the docstring says, writing elsewhere.
    proc = subprocess.run(
        [sys.executable, "-B", str(SCRIPT), str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == WAV.read_bytes(), (
        "notebooks/data/spoken_turn.wav differs from what make_spoken_turn.py makes: "
        "run `python notebooks/data/make_spoken_turn.py` and commit the WAV with the script"
    )


def test_the_wav_is_small_16_khz_mono_pcm16_speech_length() -> None:
    assert WAV.stat().st_size < MAX_BYTES, f"{WAV.name} is {WAV.stat().st_size} bytes"
    with wave.open(str(WAV), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16_000, 1, 2)
        assert wav.getcomptype() == "NONE"
        seconds = wav.getnframes() / wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    assert 1.5 <= seconds <= 3.0, seconds
    peak = int(np.abs(samples.astype(np.int32)).max())
    assert 8_000 < peak < 32_767, f"peak {peak}: too quiet to hear, or clipped"
    # Silence before and after, as a recorded question would have.
    assert not samples[:1600].any() and not samples[-1600:].any()


def _heard(samples: np.ndarray, config: VadConfig) -> list[VadEvent]:
    """What the emulator's VAD reports, fed in the session's 100 ms chunks at 24 kHz."""
    vad = EnergyVad(config)
    events: list[VadEvent] = []
    for start in range(0, samples.size, session_audio.CHUNK):
        events += vad.process(samples[start : start + session_audio.CHUNK], session_audio.RATE)
    return events


def test_the_emulator_hears_one_spoken_turn_the_length_of_the_file() -> None:
    turn = session_audio.load_audio(WAV)  # as `send_audio` reads it: resampled to 24 kHz
    with wave.open(str(WAV), "rb") as wav:
        file_ms = 1000 * wav.getnframes() / wav.getframerate()
    assert abs(turn.size / session_audio.RATE * 1000 - file_ms) < 1
    config = VadConfig()  # server_vad's defaults: threshold 0.5, 500 ms of silence
    trailing = np.zeros(session_audio.RATE, dtype=np.int16)
    events = _heard(np.concatenate([turn, trailing]), config)
    assert [e.kind for e in events] == ["start", "stop"], events
    # The stop is the last speech plus the silence duration: speech went on to near the end.
    last_speech_ms = events[1].audio_ms - config.silence_duration_ms
    assert file_ms - 500 < last_speech_ms <= file_ms, (events, file_ms)
    # Without the trailing silence the turn is still going at the end of the file.
    assert [e.kind for e in _heard(turn, config)] == ["start"]
