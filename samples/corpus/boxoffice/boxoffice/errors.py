from __future__ import annotations


class BoxOfficeError(Exception):
    code = 400


class Missing(BoxOfficeError):
    code = 404


class Refused(BoxOfficeError):
    code = 409
