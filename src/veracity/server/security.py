"""Pure request checks over header values: which paths are public, the key a request carries,
the Host and Origin rules of open local mode, and the client address behind trusted proxies.

The ASGI middleware (``server.middleware``) applies them before any route runs, from headers
alone, so a refused request's body is never read.

Open local mode (no keys, loopback bind) has no secret to prove who is calling, so it relies on
where the request comes from:

- DNS rebinding: a web page on ``evil.example`` whose name is re-pointed at 127.0.0.1 can read
  from this server as if same-origin, but its requests still say ``Host: evil.example``. Only
  loopback names with the server's own port are served.
- Cross-site writes: any page can make a browser POST a form or a multipart upload here (a
  "simple" request needs no CORS preflight). Browsers send ``Origin`` (or at least ``Referer``) on
  such requests, so unsafe methods must come from this server's own origin, or carry neither
  header (curl, SDKs and other non-browser clients).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Reachable without a key: liveness, the schema and its viewers, the web page and its files.
PUBLIC_PATHS = frozenset({"/api/health", "/openapi.json", "/docs", "/docs/oauth2-redirect",
                          "/redoc", "/"})  # fmt: skip
PUBLIC_PREFIXES = ("/static/",)
_UPLOAD = re.compile(r"^/api/collections/[^/]+/documents/?$")
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def is_upload(method: str, path: str) -> bool:
    """The file upload route, whose body may be as large as the upload limit."""
    return method == "POST" and _UPLOAD.match(path) is not None


def token_from(headers: Mapping[str, str]) -> str | None:
    """The API key from ``Authorization: Bearer ...`` (what OpenAI clients send) or ``X-API-Key``."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return headers.get("x-api-key") or None


def split_host(value: str, scheme: str = "http") -> tuple[str, int] | None:
    """``(host, port)`` of a Host header value (``name``, ``name:port``, ``[v6]:port``), lower
    case, the scheme's default port when none is given; None when malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        host, sep, rest = value[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:]
    else:
        host, _, port_text = value.partition(":")
        if ":" in port_text:  # an unbracketed IPv6 address is not a valid Host
            return None
    if not host:
        return None
    if not port_text:
        return host, _DEFAULT_PORTS.get(scheme, 80)
    return (host, int(port_text)) if port_text.isdigit() else None


def origin_of(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an ``Origin`` or ``Referer`` value; None for ``null`` and
    anything that is not an http(s) URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def host_refusal(
    host: str | None, scheme: str, port: int | None, names: Iterable[str]
) -> str | None:
    """Why open local mode refuses this ``Host`` header, or None to accept it. ``port`` is the
    port the server listens on (None: unknown, any port)."""
    allowed = set(names)
    split = split_host(host or "", scheme)
    if split is not None and split[0] in allowed and (port is None or split[1] == port):
        return None
    where = f":{port}" if port is not None else ""
    return (
        f"Host {host or '(none)'!r} is not served: with no API keys this server answers only "
        f"requests addressed to 127.0.0.1{where}, localhost{where} or [::1]{where} (a guard "
        "against DNS rebinding). Use one of those addresses, or create an API key (`veracity "
        "keys create --collections DIR`) and restart to serve other names"
    )


def origin_refusal(
    method: str,
    origin: str | None,
    referer: str | None,
    own: tuple[str, str, int],
    allowed_origins: Sequence[str] = (),
) -> str | None:
    """Why open local mode refuses this request as cross-site, or None to accept it. ``own`` is
    the server's origin as the request addressed it; ``allowed_origins`` are --cors-origin ones."""
    if method not in UNSAFE_METHODS:
        return None
    claimed = origin if origin is not None else referer
    if claimed is None:
        return None  # not a browser: curl, SDKs and scripts send neither header
    source = origin_of(claimed)
    if source is not None and (
        source == own or any(origin_of(a) == source for a in allowed_origins)
    ):
        return None
    header = "Origin" if origin is not None else "Referer"
    scheme, host, port = own
    shown = f"[{host}]" if ":" in host else host
    return (
        f"cross-site {method} refused: its {header} is {claimed!r}, not this server's own page "
        f"({scheme}://{shown}:{port}). With no API keys only the server's own page, or clients "
        "that send no Origin (curl, SDKs), may change data; allow a site with --cors-origin, or "
        "create an API key"
    )


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The client's address for the anonymous rate limit. ``X-Forwarded-For`` counts only when
    the peer is a trusted proxy; then the right-most address that is not itself a trusted proxy
    is the client (the ones left of it are whatever the client chose to send)."""
    address = peer or "?"
    if not forwarded_for or not _trusted(address, trusted):
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        address = hop
        if not _trusted(hop, trusted):
            break
    return address


def _trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)
