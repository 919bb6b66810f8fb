"""Basic request metrics kept in memory: counts by route and status, latency percentiles."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from typing import Any


class Metrics:
    def __init__(self) -> None:
        self.started = time.time()
        self._lock = threading.Lock()
        self._by_route: Counter[str] = Counter()
        self._by_status: Counter[int] = Counter()
        self._latency: deque[float] = deque(maxlen=2000)  # seconds, the most recent requests

    def record(self, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self._by_route[route] += 1
            self._by_status[status] += 1
            self._latency.append(seconds)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            lat = sorted(self._latency)
            by_route = dict(self._by_route)
            by_status = {str(k): v for k, v in sorted(self._by_status.items())}
        total = sum(by_route.values())

        def pct(p: float) -> float | None:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else None

        return {
            "uptime_s": round(time.time() - self.started, 1),
            "requests": total,
            "errors_5xx": sum(v for k, v in by_status.items() if k.startswith("5")),
            "by_status": by_status,
            "by_route": by_route,
            "latency_ms": {"p50": pct(0.5), "p99": pct(0.99), "window": len(lat)},
        }
