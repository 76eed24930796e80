"""``python -m runtime.engine_main BUILD STATE_DIR``: the detached engine that ``cleave up`` starts.

SIGTERM or SIGINT makes it exit and leave the replicas running (the next ``cleave up`` re-adopts them);
``cleave down`` stops everything.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from types import FrameType

from cleave.errors import CleaveError
from runtime.engine import Engine
from runtime.paths import ProjectPaths
from runtime.requests import answer


def main(argv: list[str]) -> int:
    """Run the engine until ``down``; errors go to stderr (the engine log) with exit code 1."""
    build, state_dir = Path(argv[0]), Path(argv[1])
    try:
        engine = Engine(build, ProjectPaths(state_dir), answer)

        def leave(signum: int, frame: FrameType | None) -> None:
            engine.detach()

        signal.signal(signal.SIGTERM, leave)
        signal.signal(signal.SIGINT, leave)
        engine.prepare()
        print(f"{time.strftime('%H:%M:%S')} engine {engine.topology.project} ready to start "
              f"({engine.adopted} replicas adopted)", flush=True)
        engine.run()
    except CleaveError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
