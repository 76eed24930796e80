"""Events for the engine's loop from other threads (the health thread, signal handlers, control clients), and a
pipe in the loop's selector that wakes it as soon as one arrives."""

from __future__ import annotations

import contextlib
import os
import queue
import selectors

from runtime.machine import Event


class Inbox:
    """A queue of events plus a self-pipe; :meth:`post` and :meth:`wake` may be called from any thread."""

    def __init__(self) -> None:
        self._events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._read, self._write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)

    def register(self, selector: selectors.BaseSelector) -> None:
        """Watch the pipe in the loop's selector (reading it empties it)."""
        selector.register(self._read, selectors.EVENT_READ, self._drain)

    def wake(self) -> None:
        with contextlib.suppress(BlockingIOError):
            os.write(self._write, b"!")

    def post(self, event: Event) -> None:
        self._events.put(event)
        self.wake()

    def take(self) -> list[Event]:
        """The events posted since the last call, oldest first."""
        events = []
        while True:
            try:
                events.append(self._events.get_nowait())
            except queue.Empty:
                return events

    def _drain(self, key: selectors.SelectorKey) -> None:
        with contextlib.suppress(BlockingIOError):
            while os.read(self._read, 4096):
                pass
