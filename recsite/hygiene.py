"""Input hygiene in one place: what no text input or query parameter may carry, and JSON limits.

Rejected everywhere, before any view runs: NUL and the other C0 control characters (tab, newline
and carriage return excepted), DEL, and the Unicode bidirectional overrides that make text read
differently from how it is stored (U+202A..U+202E, U+2066..U+2069). They have no place in a movie
title, a search or a preference, and the database (NUL), the terminal (ESC) or a prompt would
otherwise receive them. The API answers 400 in JSON, the site a page that says what was wrong.
API JSON bodies also may not nest deeper than MAX_JSON_DEPTH (the parser checks before parsing).
"""

from __future__ import annotations

import json
import re
import sys

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
MAX_JSON_DEPTH = 32
BAD_TEXT = "Text may not contain control characters (such as NUL or ESC) or direction overrides."


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, message: str, field: str = "detail") -> HttpResponse:
    """400 as the API shapes its errors ({"field": ["message"]}, or {"detail": ...}) or as a page."""
    if _is_api(request):
        return JsonResponse({field: [message]} if field != "detail" else {"detail": message}, status=400)
    return render(request, "bad_request.html", {"message": message}, status=400)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """Django's handler404: an API address that names nothing (/api/v1/movies/abc/) is JSON too."""
    if _is_api(request):
        return JsonResponse({"detail": "Not found: no such address in the API (see /api/v1/docs/)."}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def bad_request_handler(request: HttpRequest, exception=None) -> HttpResponse:
    """Django's handler400, for what Django itself refuses (a body over DATA_UPLOAD_MAX_MEMORY_SIZE
    read by the API's JSON parser, a bad Host): JSON for the API, a page for the site."""
    message = "The request is too large." if isinstance(exception, RequestDataTooBig) else "Bad request."
    return bad_request(request, message)


DATABASE_DOWN = "The database is not answering right now; please try again in a minute."


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500, which runs inside the failed request's except block: a database that
    cannot be reached is a 503 with Retry-After, not a server error."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    if _is_api(request):
        return JsonResponse({"detail": "Server error: the problem is logged; try again later."}, status=500)
    from django.views.defaults import server_error as page

    return page(request)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 in JSON for the API; for the site a self-contained page (the usual templates read the
    session and the user, which live in the database that is down)."""
    if _is_api(request):
        response = JsonResponse({"detail": DATABASE_DOWN}, status=503)
    else:
        response = HttpResponse(render_to_string("unavailable.html", {"message": DATABASE_DOWN}), status=503)
    response["Retry-After"] = "30"
    return response


class InputHygieneMiddleware:
    """Refuses query parameters and form fields with forbidden characters, and oversize forms, with a 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            fields = [*request.GET.lists()]
            if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                       "multipart/form-data"):  # fmt: skip
                fields += request.POST.lists()
        except RequestDataTooBig:
            return bad_request(request, "The request is too large.")
        for key, values in fields:
            if FORBIDDEN.search(key):
                return bad_request(request, f"A parameter name: {BAD_TEXT}")
            if any(FORBIDDEN.search(value) for value in values):
                return bad_request(request, BAD_TEXT, field=key)
        return self.get_response(request)


def _depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest, counted outside strings (no parsing)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _bad_field(data) -> str | None:
    """The top-level field whose text carries a forbidden character ("non_field_errors" outside an object)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if any(FORBIDDEN.search(text) for text in _strings({key: value})):
                return key
        return None
    return "non_field_errors" if any(FORBIDDEN.search(text) for text in _strings(data)) else None


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, with the nesting limit checked first and forbidden characters refused."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            text = stream.read().decode((parser_context or {}).get("encoding") or "utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError("The request body is not valid UTF-8.") from exc
        if _depth(text) > MAX_JSON_DEPTH:
            raise ParseError(f"JSON may not nest deeper than {MAX_JSON_DEPTH} levels.")
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ParseError(f"JSON parse error: {exc}") from exc
        field = _bad_field(data)
        if field is not None:
            raise ValidationError({field: [BAD_TEXT]})
        return data
