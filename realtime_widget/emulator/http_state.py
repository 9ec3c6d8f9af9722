"""What the emulator's HTTP side keeps: client secrets, live calls and request counters."""

from __future__ import annotations

import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

from aiohttp import web

from .engine_context import CallLink, Transport

if TYPE_CHECKING:
    from .server import Emulator
    from .sideband import CallPaths


class Engine(Protocol):
    """The slice of `engine.SessionEngine` the server and the peer use."""

    def start(self) -> None: ...
    def handle_message(self, text: str) -> None: ...
    def feed_mic(self, samples: Any, sample_rate: int) -> None: ...
    def close(self) -> None: ...

    @property
    def audio_out(self) -> Any: ...


class EngineFactory(Protocol):
    def __call__(
        self,
        *,
        call_id: str,
        session: dict[str, Any],
        link: CallLink,
        emulator: Emulator,
        transport: Transport = "webrtc",
    ) -> Engine: ...


class CallSide(Protocol):
    """The transport side of a call (`peer.CallPeer`, `ws_link.WebSocketLink`)."""

    created_at: float  # monotonic
    channel_open_at: float | None  # when events could first flow

    @property
    def closed(self) -> bool: ...

    async def close(self, reason: str = "closed") -> None: ...


SideT = TypeVar("SideT", bound=CallSide)


@dataclass
class ClientSecret:
    value: str
    expires_at: float
    session: dict[str, Any]


class SecretStore:
    """Client secrets in memory. A secret gates creating calls only, until it expires."""

    def __init__(self) -> None:
        self._secrets: dict[str, ClientSecret] = {}

    def mint(self, session: dict[str, Any], ttl_s: float) -> ClientSecret:
        self._prune()
        secret = ClientSecret(
            value=f"ek_{secrets.token_hex(16)}",
            expires_at=time.time() + ttl_s,
            session=session,
        )
        self._secrets[secret.value] = secret
        return secret

    def lookup(self, value: str) -> ClientSecret | None:
        secret = self._secrets.get(value)
        if secret is None or secret.expires_at <= time.time():
            return None
        return secret

    def expire(self, value: str) -> None:
        """Test hook: make a secret expire now."""
        if value in self._secrets:
            self._secrets[value].expires_at = time.time() - 1

    def _prune(self) -> None:
        now = time.time()
        for value in [v for v, s in self._secrets.items() if s.expires_at <= now]:
            del self._secrets[value]

    def __len__(self) -> int:
        return len(self._secrets)


@dataclass
class Call(Generic[SideT]):
    """One session: a WebRTC call (`peer` a `CallPeer`, id `rtc_…`) or a WebSocket session
    (`peer` a `WebSocketLink`, id `ws_…`: the emulator's own, the real API names none)."""

    call_id: str
    engine: Engine
    peer: SideT
    transport: Transport = "webrtc"
    # Which API the session speaks: a Realtime call (`rtc_…`/`ws_…`) or a GPT-Live session
    # (`live_…`); each API's sideband attaches only to its own.
    api: Literal["realtime", "live"] = "realtime"
    # A WebRTC call's data channel and attached sidebands (sideband.py); None over WebSocket.
    paths: CallPaths | None = None
    created_at: float = field(default_factory=time.time)
    state: Literal["active", "closed"] = "active"
    closed_at: float | None = None
    close_reason: str | None = None

    @property
    def connect_seconds(self) -> float | None:
        """Answer sent → data channel open, as seen by the emulator."""
        if self.peer.channel_open_at is None:
            return None
        return self.peer.channel_open_at - self.peer.created_at


@dataclass
class EmulatorStats:
    client_secret_requests: Counter[int] = field(default_factory=Counter)
    call_requests: Counter[int] = field(default_factory=Counter)
    hangup_requests: Counter[int] = field(default_factory=Counter)
    websocket_requests: Counter[int] = field(default_factory=Counter)  # GET /v1/realtime
    # GPT-Live: POST /v1/live/sessions, its WebSocket (GET) and sideband attach (GET …/attach)
    live_session_requests: Counter[int] = field(default_factory=Counter)
    live_websocket_requests: Counter[int] = field(default_factory=Counter)
    live_attach_requests: Counter[int] = field(default_factory=Counter)
    sidebands_attached: int = 0  # GET /v1/realtime?call_id=… upgraded
    calls_created: int = 0
    calls_closed: int = 0
    close_reasons: Counter[str] = field(default_factory=Counter)


#: The `Emulator` an application serves (set by `Emulator.make_app`).
EMULATOR_KEY: web.AppKey[Emulator] = web.AppKey("emulator")
#: On a request that authenticated with a live client secret (`ek_…`): that secret
#: (a `web.RequestKey` where aiohttp has them, a plain key on older versions).
CLIENT_SECRET_KEY: Any = (
    web.RequestKey("client_secret", ClientSecret)
    if hasattr(web, "RequestKey")
    else "realtime_widget.client_secret"
)
