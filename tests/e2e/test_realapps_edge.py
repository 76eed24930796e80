"""Opt-in (``CLEAVE_REALAPPS=1``, ~5 min per app, needs PyPI): real apps from PyPI migrated at the edge answer a
scripted session exactly like their monolith (bench/realapps_edge.py does the work and says how)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"

pytestmark = [pytest.mark.root, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces, cgroups, mounts)"),
              pytest.mark.skipif(os.environ.get("CLEAVE_REALAPPS") != "1", reason="opt-in: CLEAVE_REALAPPS=1")]


@pytest.mark.parametrize("app", ["ihatemoney", "django-helpdesk"])
def test_a_real_app_at_the_edge_answers_like_its_monolith(app: str) -> None:
    sys.path.insert(0, str(BENCH))
    from realapps_edge import APPS, measure

    figures = measure(APPS[app], "sqlite")
    assert figures["identical"] == figures["requests"], figures["differences"]
    assert figures["control_monolith_twice_identical"] == figures["requests"], "the normalization is not enough"
