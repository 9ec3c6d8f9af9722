"""Which part of a truncated item's text was heard (pure).

Truncation (`conversation.item.truncated`, e.g. the server cutting the playing reply on
barge-in over WebRTC) keeps every character received but records `heard_ms`; `heard_split`
estimates which prefix of the text was heard (the rest is not in the model's context). It is
apart from the reducer because the widget's reconnect logic and the tables use it too, and
because js/src/reducer.ts must do the same arithmetic.
"""

from __future__ import annotations

import math
from typing import Final

#: Assistant audio is billed about 1 output token per 50 ms (realtime-api.md §5; the emulator's
#: `ASSISTANT_AUDIO_MS_PER_TOKEN`), so a response's output audio tokens give its audio length.
ASSISTANT_AUDIO_MS_PER_TOKEN: Final = 50.0
#: Speaking rate assumed when the audio length is unknown (no usage, or several audio items in
#: one response): 60 ms per character, about 1000 characters or 170 words a minute — typical
#: synthetic speech, and the emulator's default voice (`EngineOptions.ms_per_char`).
SPEAKING_MS_PER_CHAR: Final = 60.0
_SPACE: Final = frozenset(" \t\n\r\f\v")


def heard_split(text: str, heard_ms: float | None, audio_ms: float | None) -> tuple[str, str]:
    """(heard, unheard) parts of an item's text; `heard + unheard == text`.

    `heard_ms` is the truncation point (None: never truncated, all heard). `audio_ms` is the
    item's audio length (from its response's output audio tokens), else the length is taken
    as `SPEAKING_MS_PER_CHAR` per character. The share heard_ms / length of the characters
    is heard, cut back to the last whole word (trailing whitespace goes with the unheard
    part). The same arithmetic is in js/src/reducer.ts (`heardSplit`).
    """
    if heard_ms is None:
        return text, ""
    if heard_ms <= 0 or not text:
        return "", text
    n_chars = len(text)
    duration = audio_ms if audio_ms is not None and audio_ms > 0 else n_chars * SPEAKING_MS_PER_CHAR
    if heard_ms >= duration:
        return text, ""
    cut = math.floor(n_chars * heard_ms / duration + 0.5)
    if 0 < cut < n_chars and text[cut] not in _SPACE and text[cut - 1] not in _SPACE:
        # Mid-word: only whole words were heard.
        while cut > 0 and text[cut - 1] not in _SPACE:
            cut -= 1
    while cut > 0 and text[cut - 1] in _SPACE:
        cut -= 1
    return text[:cut], text[cut:]
