"""How long what a command builds lives: in the console's own process, until the process exits.

A warm ``cleave analyze`` loads a graph of millions of objects; once the analysis returns, the cyclic garbage
collector is back on and each collection the rest of the command triggers walks that graph again, only to find it
all alive (homeassistant's warm run spent about half its CPU so); the first of them, as the collector resumes,
walks all of it. In the ``cleave`` console process the graph lives until the command ends, so the collector stays
paused while it is made and it is moved out of the collector's sight (``gc.freeze``) before the collector resumes.
Only there: :func:`console` is called by :func:`cleave.cli.app.main`, never by :func:`cleave.cli.app.run`, which
tests and other callers use in their own processes, whose collector stays as they have it.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_state = {"console": False}


def console() -> None:
    """This process is the ``cleave`` console command's own (called by ``main()`` only)."""
    _state["console"] = True


@contextlib.contextmanager
def building() -> Iterator[None]:
    """Around the making of a large result that lives until the command ends (an analyzed graph): in the
    console's own process the collector is paused meanwhile and never sees the result (frozen before it resumes);
    elsewhere nothing changes."""
    if not _state["console"]:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
