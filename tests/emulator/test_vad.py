"""Energy VAD: thresholds, padding and silence durations as configured."""

from __future__ import annotations

import numpy as np
from engine_harness import silence, speech

from realtime_widget.emulator.vad import EnergyVad, VadConfig, VadEvent, rms_dbfs, threshold_to_dbfs


def run(vad: EnergyVad, audio: np.ndarray, rate: int = 48_000) -> list[VadEvent]:
    events: list[VadEvent] = []
    step = rate // 50
    for i in range(0, len(audio), step):
        events += vad.process(audio[i : i + step], rate)
    return events


def test_start_and_stop_include_padding_and_silence() -> None:
    burst = speech("a few words spoken")
    end = 500 + len(burst) * 1000 // 48_000
    events = run(
        EnergyVad(VadConfig(0.5, 200, 300)), np.concatenate([silence(500), burst, silence(800)])
    )
    assert [e.kind for e in events] == ["start", "stop"]
    assert abs(events[0].audio_ms - 300) <= 20
    assert abs(events[1].audio_ms - (end + 300)) <= 20


def test_works_at_other_sample_rates() -> None:
    burst = speech("sixteen kilohertz", rate=16_000)
    events = run(
        EnergyVad(), np.concatenate([silence(1000, 16_000), burst, silence(900, 16_000)]), 16_000
    )
    assert [e.kind for e in events] == ["start", "stop"]
    assert abs(events[0].audio_ms - 700) <= 20


def test_threshold_maps_to_level() -> None:
    assert threshold_to_dbfs(0.0) == -60.0 and threshold_to_dbfs(1.0) == -10.0
    quiet = (speech("quiet talk here").astype(np.float64) * 0.05).astype(np.int16)
    assert -50 < rms_dbfs(quiet) < -35
    audio = np.concatenate([quiet, silence(800)])
    assert run(EnergyVad(VadConfig(threshold=0.5)), audio) == []
    assert [e.kind for e in run(EnergyVad(VadConfig(threshold=0.1)), audio)] == ["start", "stop"]


def test_short_pause_does_not_end_the_turn_but_long_one_does() -> None:
    a, b = speech("first part"), speech("second part")
    cfg = VadConfig(0.5, 0, 500)
    short = run(EnergyVad(cfg), np.concatenate([a, silence(300), b, silence(700)]))
    assert [e.kind for e in short] == ["start", "stop"]
    long = run(EnergyVad(cfg), np.concatenate([a, silence(700), b, silence(700)]))
    assert [e.kind for e in long] == ["start", "stop", "start", "stop"]


def test_semantic_eagerness_orders_silence() -> None:
    def silence_ms(eagerness: str) -> int:
        return VadConfig.from_turn_detection(
            {"type": "semantic_vad", "eagerness": eagerness}
        ).silence_duration_ms

    assert silence_ms("low") > silence_ms("medium") > silence_ms("high")
    assert silence_ms("auto") == silence_ms("medium")
    cfg = VadConfig.from_turn_detection(
        {"type": "server_vad", "silence_duration_ms": 250, "threshold": 0.7}
    )
    assert (cfg.silence_duration_ms, cfg.threshold, cfg.prefix_padding_ms) == (250, 0.7, 300)


def test_clicks_are_not_speech() -> None:
    click = np.zeros(48_000, dtype=np.int16)
    click[1000:1200] = 20_000  # 4 ms
    assert run(EnergyVad(), click) == []
