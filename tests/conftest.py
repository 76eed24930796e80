"""Settings for the whole test session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.pg import postgres  # noqa: F401  (the session's throwaway PostgreSQL server: tests/pg.py)


@pytest.fixture(scope="session", autouse=True)
def image_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One image-layer cache for the session (builds share the runtime layer), never the user's ~/.cache."""
    previous = os.environ.get("CLEAVE_CACHE_DIR")
    os.environ["CLEAVE_CACHE_DIR"] = str(tmp_path_factory.mktemp("oci-cache"))
    yield
    if previous is None:
        os.environ.pop("CLEAVE_CACHE_DIR", None)
    else:
        os.environ["CLEAVE_CACHE_DIR"] = previous
