"""Answer events produced in their own thread, so a client's pace never holds the engine.

The engine runs in a producer thread that always runs to its end (bounded by ``max_tokens``),
putting events on a queue; the response reads the queue. A client that disconnects mid-answer
leaves the producer to finish and free what it holds (the generator's slot, an index lock during
retrieval) at once, instead of a suspended generator holding them until garbage collection. No
server lock is held: answers never make searches, uploads or the health check wait.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from veracity.rag.engine import Event


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


_DONE = object()


def produced(events: Callable[[], Iterator[Event]]) -> Iterator[Event]:
    """Iterate ``events()`` in a producer thread; re-raise its errors here."""
    out: queue.Queue[object] = queue.Queue()

    def produce() -> None:
        try:
            for event in events():
                out.put(event)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            out.put(_Failed(exc))
        finally:
            out.put(_DONE)

    threading.Thread(target=produce, name="veracity-answer", daemon=True).start()
    while True:
        item = out.get()
        if item is _DONE:
            return
        if isinstance(item, _Failed):
            raise item.error
        yield item  # type: ignore[misc]
