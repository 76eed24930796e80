"""Errors of the help desk."""

from __future__ import annotations


class HelpdeskError(Exception):
    status = 400


class DoesNotExist(HelpdeskError):
    status = 404


class NotAllowed(HelpdeskError):
    status = 409


class BadInput(HelpdeskError):
    status = 400
