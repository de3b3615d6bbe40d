"""Production basics: `check --deploy` is clean as documented, and the schema says what the API returns."""

import os
import re
import secrets
import subprocess
import sys

from django.conf import settings


def test_check_deploy_is_clean_behind_https():
    env = dict(os.environ, BEHIND_HTTPS="true", SECRET_KEY=secrets.token_urlsafe(60), DEBUG="false")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_schema_documents_what_similar_and_search_really_return(client, db):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    for path in ("/api/v1/movies/{id}/similar/", "/api/v1/search/"):
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        name = ok["$ref"].rsplit("/", 1)[-1]  # an object with "results", not a bare array
        assert "results" in schema["components"]["schemas"][name]["properties"], path


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _fill(path: str, value: int) -> str:
    return re.sub(r"\{[^}]+\}", str(value), path)


def test_every_operation_documents_its_errors_with_the_json_error_shape(client, db):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    assert "detail" in schema["components"]["schemas"]["Error"]["properties"]
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        if "{" in path:
            assert "404" in responses, (method, path)
        if "requestBody" in operation or any(p["in"] == "query" for p in operation.get("parameters", [])):
            assert "400" in responses, (method, path)
        for status in {"400", "401", "404", "429"} & set(responses):
            assert responses[status]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    throttled = {"/api/v1/auth/token/", "/api/v1/search/", "/api/v1/query/parse/"}
    assert all("429" in next(iter(schema["paths"][path].values()))["responses"] for path in throttled)


def test_the_401s_and_404s_callers_really_get_are_documented_and_json(client, db, make_movie, make_user):
    """Each operation called for real: anonymously (a 401 must be documented), and signed in with an
    id that names nothing (a 404 must be documented); each such answer is JSON with a message."""
    from rest_framework.test import APIClient

    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    movie = make_movie("Heat", 1995, ("Crime",))
    anonymous, signed_in = APIClient(), APIClient()
    signed_in.force_authenticate(make_user())
    seen = {"401": 0, "404": 0}
    for path, method, operation in _operations(schema):
        for caller, target, status in ((anonymous, _fill(path, movie.id), 401), (signed_in, _fill(path, 987654), 404)):
            if status == 404 and "{" not in path:
                continue
            response = getattr(caller, method)(target, format="json")
            if response.status_code == status:
                seen[str(status)] += 1
                assert str(status) in operation["responses"], (method, path, status)
                assert response["Content-Type"].startswith("application/json") and response.json(), (method, path)
    assert seen["401"] >= 10 and seen["404"] >= 5  # the walk really met them


def test_an_api_address_that_names_nothing_is_a_json_404_and_a_site_one_a_page(client, db):
    api = client.get("/api/v1/movies/not-a-number/")
    assert api.status_code == 404 and api.json()["detail"].startswith("Not found")
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
