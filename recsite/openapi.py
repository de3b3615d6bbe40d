"""The API schema documents the errors every operation can answer with (drf-spectacular hook).

Every API error is JSON with a message (`detail`, or one list of messages per field for a 400), so
one `Error` component describes them all. Which errors an operation can give follows from what it is:
- 400: it takes a body or query parameters (validation);
- 401: its view's permissions need a signed-in user for this method;
- 404: its path names an object, or it is a paginated list (a page past the end);
- 429: its view is throttled.
"""

from __future__ import annotations

import re

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "what went wrong, in words"}},
    "additionalProperties": {
        "type": "array",
        "items": {"type": "string"},
        "description": "a 400 for bad input names each field with its messages",
    },
}
DESCRIPTIONS = {
    "400": "Invalid input: the message says which field and why.",
    "401": "Not signed in: send `Authorization: Token <key>` (POST /api/v1/auth/token/) or a session.",
    "404": "No such object, or not yours.",
    "429": "Too many requests: wait the seconds the message names.",
}


def document_errors(result: dict, generator, request, public) -> dict:
    # The endpoints name path parameters as the URLconf does ({pk}), the schema as documented ({id}).
    views = {
        (_shape(path), method.lower()): getattr(view, "cls", None) for path, _, method, view in generator.endpoints
    }
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        full_path = path if path.startswith("/api/") else f"/api/v1{path}"
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            errors = []
            if "requestBody" in operation or any(p.get("in") == "query" for p in operation.get("parameters", [])):
                errors.append("400")
            view = views.get((_shape(full_path), method))
            if _needs_sign_in(view, method):
                errors.append("401")
            if "{" in path or any(p.get("name") == "page" for p in operation.get("parameters", [])):
                errors.append("404")
            if getattr(view, "throttle_classes", None):
                errors.append("429")
            for status in errors:
                operation["responses"].setdefault(status, {"description": DESCRIPTIONS[status], "content": reference})
    return result


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _needs_sign_in(view, method: str) -> bool:
    from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticatedOrReadOnly

    permissions = list(getattr(view, "permission_classes", []) or [])
    if not permissions or all(permission is AllowAny for permission in permissions):
        return False
    if IsAuthenticatedOrReadOnly in permissions and method.upper() in SAFE_METHODS:
        return False
    return True
