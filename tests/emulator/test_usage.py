"""Usage arithmetic: real invariants, 64-token cache blocks, transcription usage."""

from __future__ import annotations

from realtime_widget.emulator.usage import (
    Segment,
    UsageLedger,
    assistant_audio_tokens,
    common_prefix_tokens,
    item_segment,
    response_usage,
    text_tokens,
    transcription_usage,
    user_audio_tokens,
)


def check_invariants(u: dict) -> None:  # type: ignore[type-arg]
    d = u["input_token_details"]
    assert u["input_tokens"] == d["text_tokens"] + d["audio_tokens"] + d["image_tokens"]
    assert (
        u["output_tokens"]
        == u["output_token_details"]["text_tokens"] + u["output_token_details"]["audio_tokens"]
    )
    assert u["total_tokens"] == u["input_tokens"] + u["output_tokens"]
    assert 0 <= d["cached_tokens"] <= u["input_tokens"] and d["cached_tokens"] % 64 == 0
    c = d["cached_tokens_details"]
    assert c["text_tokens"] + c["audio_tokens"] + c["image_tokens"] == d["cached_tokens"]
    assert c["text_tokens"] <= d["text_tokens"] and c["audio_tokens"] <= d["audio_tokens"]


def test_rates() -> None:
    assert text_tokens("abcdefgh") == 2 and text_tokens("abcdefghi") == 3 and text_tokens("") == 0
    assert user_audio_tokens(1000) == 10 and assistant_audio_tokens(1000) == 20


def test_cached_prefix_rounds_down_to_64_and_splits_in_order() -> None:
    segs = [Segment("a", text=100), Segment("b", audio=50)]
    u = response_usage(segs, cached_prefix=140, output_text=5, output_audio=7)
    check_invariants(u)
    assert u["input_token_details"]["cached_tokens"] == 128
    assert u["input_token_details"]["cached_tokens_details"] == {
        "text_tokens": 100,
        "audio_tokens": 28,
        "image_tokens": 0,
    }


def test_ledger_caches_what_earlier_responses_read() -> None:
    ledger = UsageLedger()
    conv = [Segment("sys", text=200)]
    first = ledger.bill(conv, 10, 40)
    check_invariants(first)
    assert first["input_token_details"]["cached_tokens"] == 0
    conv = [*conv, Segment("u1", audio=30), Segment("a1", audio=80)]
    second = ledger.bill(conv, 10, 40)
    check_invariants(second)
    assert second["input_token_details"]["cached_tokens"] == 192
    conv = [*conv, Segment("u2", text=70)]
    third = ledger.bill(conv, 10, 40)
    assert third["input_token_details"]["cached_tokens"] == 256  # 310 seen → 4 blocks
    edited = [Segment("sys", text=201), *conv[1:]]
    assert ledger.bill(edited, 1, 0)["input_token_details"]["cached_tokens"] == 0


def test_common_prefix_stops_at_first_difference() -> None:
    a = [Segment("x", 10), Segment("y", 20), Segment("z", 30)]
    b = [Segment("x", 10), Segment("y", 21), Segment("z", 30)]
    assert common_prefix_tokens(a, b) == 10
    assert common_prefix_tokens(a, a[:2]) == 30


def test_item_segments() -> None:
    user_audio = {
        "id": "i1",
        "type": "message",
        "role": "user",
        "content": [{"type": "input_audio"}],
    }
    assert item_segment(user_audio, 1500).audio == 15
    assistant = {
        "id": "i2",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_audio", "transcript": "hi"}],
    }
    assert item_segment(assistant, 1500).audio == 30
    text = {
        "id": "i3",
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "x" * 40}],
    }
    seg = item_segment(text)
    assert seg.audio == 0 and seg.text >= 10
    truncated = item_segment(assistant, 700)
    assert truncated != item_segment(assistant, 1500)  # truncation busts the cache from there


def test_transcription_usage_shapes() -> None:
    u = transcription_usage("gpt-4o-transcribe", 2000, "hello world")
    assert u["type"] == "tokens" and u["input_tokens"] == 20 and u["output_tokens"] == 3
    assert u["total_tokens"] == 23 and u["input_token_details"]["audio_tokens"] == 20
    assert transcription_usage("whisper-1", 2500, "x") == {"type": "duration", "seconds": 2.5}
