"""ICE for the emulator's calls: loopback only, silenced sockets, refused checks.

ICE is kept on the loopback interface. aioice never offers 127.0.0.1 on its
own (it skips the loopback address when it lists host addresses), so gathering
inside `loopback_ice()` asks a wrapped `aioice.ice.get_host_addresses` for
127.0.0.1 only. The wrapper is installed once and consults a context variable,
so every other aiortc user in the same process (a kernel may have some) still
gathers exactly as before.

`gate_ice` silences a call's sockets both ways (`Faults.silent_calls`);
`open_ice_refuser` and `point_candidates_at` make a call's ICE fail at once
(`Faults.refuse_ice`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, cast

from aioice import stun
from aiortc import RTCPeerConnection

_LOOPBACK_ONLY: ContextVar[bool] = ContextVar("realtime_widget_loopback_ice", default=False)


def _install_loopback_gathering() -> None:
    import aioice.ice

    original = aioice.ice.get_host_addresses
    if getattr(original, "_realtime_widget_loopback", False):
        return

    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        if _LOOPBACK_ONLY.get():
            return ["127.0.0.1"] if use_ipv4 else []
        return original(use_ipv4, use_ipv6)

    get_host_addresses._realtime_widget_loopback = True  # type: ignore[attr-defined]
    aioice.ice.get_host_addresses = get_host_addresses


@contextlib.contextmanager
def loopback_ice() -> Iterator[None]:
    """Within this block (and tasks started from it) ICE gathers 127.0.0.1 only.

    Wrap `setLocalDescription` (where aiortc gathers) in it. Tests use it for their
    client peers too, so no host address is ever offered.
    """
    _install_loopback_gathering()
    token = _LOOPBACK_ONLY.set(True)
    try:
        yield
    finally:
        _LOOPBACK_ONLY.reset(token)


def _is_loopback_host(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # an mDNS name (`….local`) or garbage


def keep_loopback_candidates(sdp: str, *, keep: bool = True) -> str:
    """Drop every `a=candidate` line whose address is not loopback.

    Browsers offer their LAN addresses and mDNS names too; resolving or probing
    them is slow and leaves the machine, and the emulator only listens on
    127.0.0.1 anyway. When a candidate is dropped, `a=end-of-candidates` goes too:
    aioice prunes an ICE component that ends with no remote candidate (and then
    gathers nothing for it), while peer-reflexive discovery from the caller's
    loopback checks still finds the way. `keep=False` drops every candidate.
    """
    lines = sdp.splitlines()
    kept: list[str] = []
    dropped = False
    for line in lines:
        if line.startswith("a=candidate:"):
            parts = line.split()
            if not keep or len(parts) < 6 or not _is_loopback_host(parts[4]):
                dropped = True
                continue
        kept.append(line)
    if dropped:
        kept = [line for line in kept if line != "a=end-of-candidates"]
    return "\r\n".join(kept) + "\r\n"


class GatedTransport:
    """A UDP transport that drops every datagram it is asked to send while `silent()`."""

    def __init__(self, inner: asyncio.DatagramTransport, silent: Callable[[], bool]) -> None:
        self._inner = inner
        self._silent = silent
        self.dropped = 0

    def sendto(self, data: bytes, addr: Any = None) -> None:
        if self._silent():
            self.dropped += 1
            return
        self._inner.sendto(data, addr)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _ice_connections(pc: RTCPeerConnection) -> list[Any]:
    """The aioice connections of a peer connection (one with BUNDLE)."""
    transports: set[Any] = getattr(pc, "_RTCPeerConnection__iceTransports", set())
    return [t.iceGatherer._connection for t in transports]


def gate_ice(pc: RTCPeerConnection, silent: Callable[[], bool]) -> list[GatedTransport]:
    """Make every ICE socket of `pc` drop all datagrams, both ways, while `silent()`.

    Call after `setLocalDescription` (gathering made the sockets). Sending is gated by
    wrapping each aioice protocol's transport (STUN answers, consent requests, DTLS,
    SRTP and SCTP all leave through it); receiving by wrapping `datagram_received`, so
    nothing the caller sends is seen either. The peer connection itself never learns.
    """
    gates: list[GatedTransport] = []
    for connection in _ice_connections(pc):
        for protocol in list(getattr(connection, "_protocols", [])):
            transport = getattr(protocol, "transport", None)
            if transport is None or isinstance(transport, GatedTransport):
                continue
            gate = GatedTransport(transport, silent)
            protocol.transport = gate
            received = protocol.datagram_received

            def datagram_received(
                data: bytes, addr: tuple[Any, ...], _received: Any = received
            ) -> None:
                if not silent():
                    _received(data, addr)

            protocol.datagram_received = datagram_received
            gates.append(gate)
    return gates


class _IceRefuser(asyncio.DatagramProtocol):
    """A loopback UDP port that answers every STUN check with 403 Forbidden.

    An error response fails the candidate pair at once (RFC 8445 7.2.5.2.4), in
    aiortc and in browsers alike, so `refuse_ice` produces a prompt ICE failure
    instead of a long wait for retransmissions to time out.
    """

    transport: asyncio.DatagramTransport | None = None

    def __init__(self, ice_password: str) -> None:
        # Responses must carry MESSAGE-INTEGRITY keyed with our ICE password,
        # or the caller discards them and keeps retransmitting.
        self._key = ice_password.encode()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            request = stun.parse_message(data)
        except ValueError:
            return
        if request.message_class != stun.Class.REQUEST or self.transport is None:
            return
        response = stun.Message(
            message_method=request.message_method,
            message_class=stun.Class.ERROR,
            transaction_id=request.transaction_id,
        )
        response.attributes["ERROR-CODE"] = (403, "Forbidden")
        response.add_message_integrity(self._key)
        response.add_fingerprint()
        self.transport.sendto(bytes(response), addr)


async def open_ice_refuser(answer_sdp: str) -> tuple[asyncio.DatagramTransport, int]:
    """Start a refuser for the ICE credentials in `answer_sdp`; return it and its port."""
    password = next(
        line.split(":", 1)[1].strip()
        for line in answer_sdp.splitlines()
        if line.startswith("a=ice-pwd:")
    )
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: _IceRefuser(password), local_addr=("127.0.0.1", 0)
    )
    return transport, int(transport.get_extra_info("sockname")[1])


def point_candidates_at(sdp: str, port: int) -> str:
    """Rewrite the answer so its only candidate is 127.0.0.1:`port`."""
    out: list[str] = []
    for line in sdp.splitlines():
        if line.startswith("a=candidate:"):
            parts = line.split()
            parts[4], parts[5] = "127.0.0.1", str(port)
            line = " ".join(parts)
        elif line.startswith("m="):
            parts = line.split(" ")
            parts[1] = str(port)
            line = " ".join(parts)
        elif line.startswith("c=IN IP4 "):
            line = "c=IN IP4 127.0.0.1"
        out.append(line)
    return "\r\n".join(out) + "\r\n"
