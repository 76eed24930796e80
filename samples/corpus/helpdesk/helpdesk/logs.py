"""Logging setup: one logger per layer, configured once."""

from __future__ import annotations

import logging

from helpdesk import settings

logging.basicConfig(level=settings.LOG_LEVEL, format="%(asctime)s %(name)s %(levelname)s %(message)s")


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"helpdesk.{name}")
