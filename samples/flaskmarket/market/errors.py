"""Every error is answered as JSON: ``{"error": {"code": ..., "message": ...}}``."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """An error the API answers with its own status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_body(status: int, message: str) -> Any:
    response = jsonify({"error": {"code": status, "message": message}})
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Any:
        return error_body(error.status, error.message)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        response = error.get_response()
        body = error_body(error.code or 500, error.description or error.name)
        for header in ("Allow", "Location"):
            if header in response.headers:
                body.headers[header] = response.headers[header]
        return body
