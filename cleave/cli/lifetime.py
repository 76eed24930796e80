"""How long what a command builds lives: in the console's own process, until the process exits.

A warm ``cleave analyze`` loads a graph of millions of objects; once the analysis returns, the cyclic garbage
collector is back on and each collection the rest of the command triggers walks that graph again, only to find it
all alive (homeassistant's warm run spent about half its CPU so). In the ``cleave`` console process the graph lives
until the command ends, so it is moved out of the collector's sight (``gc.freeze``) as soon as it is built. Only
there: :func:`console` is called by :func:`cleave.cli.app.main`, never by :func:`cleave.cli.app.run`, which tests
and other callers use in their own processes, whose collector stays as they have it.
"""

from __future__ import annotations

import gc

_state = {"console": False}


def console() -> None:
    """This process is the ``cleave`` console command's own (called by ``main()`` only)."""
    _state["console"] = True


def built() -> None:
    """A large result (an analyzed graph) was just made and lives until the command ends: out of the cyclic
    collector's sight in the console's own process, nothing elsewhere."""
    if _state["console"]:
        gc.freeze()
