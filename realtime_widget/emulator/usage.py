"""Token usage arithmetic for the emulator (pure).

Follows the real accounting closely enough for cost analysis to be meaningful:

- every response bills the whole conversation so far as input (instructions,
  tools, then each item in order);
- text is about 4 characters a token; user audio 1 token per 100 ms, assistant
  audio 1 token per 50 ms (also when it is read back as input later);
- cached tokens are the longest prefix of this input that an earlier response
  already used, rounded down to a multiple of 64 (the cache works in 64-token
  blocks), split into text and audio in prefix order;
- input = text + audio + image; cached ⊆ input; total = input + output.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..api_facts import TRANSCRIPTION_MODEL_INFO, model_info

CACHE_BLOCK_TOKENS = 64
CHARS_PER_TOKEN = 4.0
USER_AUDIO_MS_PER_TOKEN = 100.0
ASSISTANT_AUDIO_MS_PER_TOKEN = 50.0
ITEM_OVERHEAD_TOKENS = 4  # role / item framing around each conversation item


def text_tokens(text: str | None) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


def user_audio_tokens(ms: float) -> int:
    return math.ceil(ms / USER_AUDIO_MS_PER_TOKEN) if ms > 0 else 0


def assistant_audio_tokens(ms: float) -> int:
    return math.ceil(ms / ASSISTANT_AUDIO_MS_PER_TOKEN) if ms > 0 else 0


@dataclass(frozen=True)
class Segment:
    """One piece of a response's input; equal segments in equal order are cacheable."""

    key: str
    text: int = 0
    audio: int = 0
    image: int = 0

    @property
    def total(self) -> int:
        return self.text + self.audio + self.image


def common_prefix_tokens(a: Sequence[Segment], b: Sequence[Segment]) -> int:
    """Tokens in the longest run of identical leading segments of `a` and `b`."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += x.total
    return n


def _split_prefix(segments: Sequence[Segment], tokens: int) -> dict[str, int]:
    """Text/audio/image counts of the first `tokens` tokens of `segments`."""
    out = {"text_tokens": 0, "audio_tokens": 0, "image_tokens": 0}
    left = tokens
    for seg in segments:
        for kind, count in (
            ("text_tokens", seg.text),
            ("audio_tokens", seg.audio),
            ("image_tokens", seg.image),
        ):
            take = min(left, count)
            out[kind] += take
            left -= take
        if left <= 0:
            break
    return out


def response_usage(
    segments: Sequence[Segment],
    cached_prefix: int,
    output_text: int,
    output_audio: int,
) -> dict[str, Any]:
    """The `usage` object of `response.done` for this input and output."""
    text = sum(s.text for s in segments)
    audio = sum(s.audio for s in segments)
    image = sum(s.image for s in segments)
    total_in = text + audio + image
    cached = min(cached_prefix, total_in) // CACHE_BLOCK_TOKENS * CACHE_BLOCK_TOKENS
    output = output_text + output_audio
    return {
        "total_tokens": total_in + output,
        "input_tokens": total_in,
        "output_tokens": output,
        "input_token_details": {
            "text_tokens": text,
            "audio_tokens": audio,
            "image_tokens": image,
            "cached_tokens": cached,
            "cached_tokens_details": _split_prefix(segments, cached),
        },
        "output_token_details": {"text_tokens": output_text, "audio_tokens": output_audio},
    }


@dataclass
class UsageLedger:
    """Remembers what earlier responses consumed, to compute cached tokens."""

    seen: list[tuple[Segment, ...]] = field(default_factory=list)

    def bill(
        self, segments: Sequence[Segment], output_text: int, output_audio: int
    ) -> dict[str, Any]:
        prefix = max((common_prefix_tokens(segments, s) for s in self.seen), default=0)
        self.seen.append(tuple(segments))
        return response_usage(segments, prefix, output_text, output_audio)


def item_segment(item: dict[str, Any], audio_ms: float = 0.0) -> Segment:
    """The input tokens one conversation item costs when a later response reads it.

    `audio_ms` is the item's audio length (user audio, or assistant audio as
    played/truncated); the key includes the content so an edited item breaks the cache.
    """
    text = ITEM_OVERHEAD_TOKENS
    audio = 0
    image = 0
    kind = item.get("type")
    if kind == "message":
        for part in item.get("content") or []:
            ptype = part.get("type")
            if ptype in ("input_text", "output_text", "text"):
                text += text_tokens(part.get("text"))
            elif ptype == "input_audio":
                audio += user_audio_tokens(audio_ms)
            elif ptype in ("output_audio", "audio"):
                audio += assistant_audio_tokens(audio_ms)
            elif ptype == "input_image":
                image += 85  # a low-detail image tile, as the Responses API bills it
    elif kind == "function_call":
        text += text_tokens(item.get("name")) + text_tokens(item.get("arguments"))
    elif kind == "function_call_output":
        text += text_tokens(item.get("output"))
    body = repr(item.get("content") or item.get("arguments") or item.get("output"))
    key = f"{item.get('id')}:{zlib.crc32(body.encode())}:{audio_ms:.0f}"
    return Segment(key, text, audio, image)


def transcription_usage(model: str | None, audio_ms: float, transcript: str) -> dict[str, Any]:
    """`usage` of `conversation.item.input_audio_transcription.completed`.

    The models api_facts bills by duration (`gpt-realtime-whisper`, whisper-1) give
    `{"type": "duration", "seconds"}`; the others bill tokens.
    """
    info = model_info(model, TRANSCRIPTION_MODEL_INFO) if model else None
    if info is not None and info.billing == "duration":
        return {"type": "duration", "seconds": round(audio_ms / 1000.0, 3)}
    audio = user_audio_tokens(audio_ms)
    out = text_tokens(transcript)
    return {
        "type": "tokens",
        "input_tokens": audio,
        "output_tokens": out,
        "total_tokens": audio + out,
        "input_token_details": {"text_tokens": 0, "audio_tokens": audio},
    }
