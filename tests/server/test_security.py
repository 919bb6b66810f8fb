"""The pure checks behind the guard middleware: Host and Origin parsing, and the client address
behind trusted proxies."""

from __future__ import annotations

from pathlib import Path

from veracity.server import ServerConfig, security


def test_client_address() -> None:
    trusted = ServerConfig(
        {"c": Path("c")}, trusted_proxies=("10.0.0.1", "10.1.0.0/16")
    ).proxy_networks()
    addr = security.client_address
    assert addr("127.0.0.1", "1.2.3.4", trusted) == "127.0.0.1"  # peer not trusted
    assert addr("10.0.0.1", "1.2.3.4", trusted) == "1.2.3.4"
    # the client may prepend anything; the right-most untrusted hop is the one the proxy saw
    assert addr("10.0.0.1", "6.6.6.6, 1.2.3.4, 10.1.2.3", trusted) == "1.2.3.4"
    assert addr("10.0.0.1", None, trusted) == "10.0.0.1"


def test_host_and_origin_parsing() -> None:
    assert security.split_host("[::1]:8000") == ("::1", 8000)
    assert security.split_host("LOCALHOST") == ("localhost", 80)
    assert security.split_host("::1") is None and security.split_host("a:b") is None
    assert security.origin_of("null") is None
    assert security.origin_of("https://x.example/p?q") == ("https", "x.example", 443)
    own = ("http", "127.0.0.1", 8000)
    assert security.origin_refusal("GET", "https://evil.example", None, own) is None
    assert security.origin_refusal("PUT", "http://127.0.0.1:8000", None, own) is None
    assert security.origin_refusal("PATCH", "http://localhost:8000", None, own) is not None
