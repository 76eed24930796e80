"""Notifications: the outbox of e-mails the shop sends to customers."""

from . import api
from .api import outbox, send
from .models import Notification, Template

__all__ = ["Notification", "Template", "api", "outbox", "send"]
