"""Reports for the back office."""

from __future__ import annotations

from shop.common import validation
from shop.reports import api as reports

from ..routing import Request, Response


def sales(request: Request) -> Response:
    since = validation.require_date(request.query, "since") if "since" in request.query else None
    return 200, reports.sales_report(since, request.now)


def stock(request: Request) -> Response:
    threshold = None
    if "threshold" in request.query:
        text = request.query["threshold"]
        if not text.isdigit():
            raise validation.Invalid("threshold", "must be a whole number")
        threshold = int(text)
    return 200, reports.stock_report(threshold, request.now)


def runs(request: Request) -> Response:
    return 200, reports.runs()
