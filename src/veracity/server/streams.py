"""Answer events produced in their own thread, so a client's pace never holds a collection lock.

The engine runs under the collection's lock in a producer thread that always runs to its end
(bounded by ``max_tokens``), putting events on a queue; the response reads the queue. A client
that disconnects mid-answer leaves the producer to finish and release the lock at once, instead of
a suspended generator holding it until garbage collection.
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


def produced(lock: threading.Lock, events: Callable[[], Iterator[Event]]) -> Iterator[Event]:
    """Iterate ``events()`` in a producer thread holding ``lock``; re-raise its errors here."""
    out: queue.Queue[object] = queue.Queue()

    def produce() -> None:
        try:
            with lock:
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
