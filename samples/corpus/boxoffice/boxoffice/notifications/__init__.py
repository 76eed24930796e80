"""E-mails to customers, written to an outbox table when bookings change."""

from boxoffice.notifications.outbox import messages_for

__all__ = ["messages_for"]
