"""Production basics: `check --deploy` is clean as documented, and the schema says what the API returns."""

import os
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
