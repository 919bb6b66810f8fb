"""A fake OpenAI-compatible server on loopback, in a thread, for client tests.

The requested model name picks the behaviour: ``echo`` (a fixed sentence, one word per token,
shuffled by ``seed`` when ``temperature > 0``), ``flaky`` (429 twice, then ``echo``), ``down``
(always 500), ``slow`` (sleeps before answering), ``auth`` (401 unless the key is ``sk-good``).
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REPLY = "The Eiffel Tower is 330 metres tall and stands in Paris near the Seine ."


def reply_words(body: dict[str, Any]) -> list[str]:
    words = REPLY.split()
    if body.get("temperature", 1.0) > 0:
        random.Random(body.get("seed")).shuffle(words)
    return [w if i == 0 else " " + w for i, w in enumerate(words)][: body.get("max_tokens", 16)]


class FakeOpenAIServer:
    def __init__(self, slow_seconds: float = 1.0) -> None:
        self.slow_seconds = slow_seconds
        self.hits: Counter[str] = Counter()
        self.requests: list[dict[str, Any]] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                model = body["model"]
                server.hits[model] += 1
                # The client may give up first (timeout test).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer(model, body)

            def _answer(self, model: str, body: dict[str, Any]) -> None:
                if model == "flaky" and server.hits[model] <= 2:
                    return self._error(429, "slow down", {"Retry-After": "0"})
                if model == "down":
                    return self._error(500, "boom")
                if model == "auth" and self.headers.get("Authorization") != "Bearer sk-good":
                    return self._error(401, "Incorrect API key provided")
                if model == "slow":
                    time.sleep(server.slow_seconds)
                words = reply_words(body)
                if body.get("stream"):
                    return self._stream(words)
                payload = {
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": "".join(words)}}
                    ]
                }
                self._send(200, json.dumps(payload).encode(), "application/json")

            def _stream(self, words: list[str]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                events = [{"role": "assistant"}] + [{"content": w} for w in words]
                self.wfile.write(b": keep-alive comment\n\n")
                for delta in events:
                    chunk = {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")

            def _error(
                self, status: int, message: str, headers: dict[str, str] | None = None
            ) -> None:
                payload = json.dumps({"error": {"message": message, "type": "test"}}).encode()
                self._send(status, payload, "application/json", headers)

            def _send(
                self, status: int, data: bytes, ctype: str, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler
