"""Site-wide views: health and JSON error pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def not_found(request: HttpRequest, exception: Any) -> JsonResponse:
    return JsonResponse({"error": f"no page at {request.path}"}, status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"error": "internal error"}, status=500)
