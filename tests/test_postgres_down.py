"""With Postgres unreachable the API and the site answer a clear 503 (with Retry-After), never a 500.

The connection is really refused: the test points Django's connection at a port where nothing
listens, makes the requests, and restores it (a transactional test: no open test transaction to lose).
"""

import socket

import pytest
from django.db import connection
from django.test import Client


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free once the probe closes: nothing listens there


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_database_is_a_503_for_the_api_and_the_site(make_user):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=make_user()).key
    client = Client(raise_request_exception=False)
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(_closed_port())
    try:
        api = client.get("/api/v1/movies/")
        page = client.get("/movies/")
        rating = client.post("/api/v1/me/ratings/", {"movie": 1, "value": 4}, content_type="application/json",
                             HTTP_AUTHORIZATION=f"Token {token}")  # fmt: skip
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert api.status_code == 503 and api["Retry-After"] == "30"
    assert api.json() == {"detail": "The database is not answering right now; please try again in a minute."}
    assert page.status_code == 503 and b"The database is not answering right now" in page.content
    assert rating.status_code == 503 and rating.json()["detail"].startswith("The database is not answering")
    assert client.get("/api/v1/movies/").status_code == 200  # back as soon as the database is
