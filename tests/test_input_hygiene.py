"""No NUL byte, control character or direction override gets past a parameter, a form or a JSON body."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["/movies/?q=%00", "/movies/?genre=%00", "/search/?q=x&genre=%00", "/search/?q=%1b[31m", "/movies/?q=%E2%80%AEtxt"],
)
def test_the_site_answers_a_clear_400_page_for_forbidden_characters(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "control characters" in response.content.decode() and "<html" in response.content.decode()


def test_a_form_field_with_a_nul_byte_is_refused_and_nothing_is_saved(client, make_user):
    from catalog.models import PreferenceProfile

    user = make_user()
    client.force_login(user)
    response = client.post("/me/preferences/", {"text": "I like heists\x00 and noir"})
    assert response.status_code == 400 and not PreferenceProfile.objects.filter(user=user).exclude(text="").exists()
    ok = client.post("/me/preferences/", {"text": "I like heists\nand noir"})  # newlines are fine
    assert ok.status_code == 302


def test_the_api_answers_json_400s_for_bad_text_deep_nesting_and_bad_bytes(user_api, make_movie):
    client, _ = user_api
    heat = make_movie("Heat", 1995)
    assert "control characters" in client.get("/api/v1/movies/", {"search": "he\x00at"}).json()["search"][0]
    nested = client.post("/api/v1/me/ratings/", data="[" * 5000 + "]" * 5000, content_type="application/json")
    assert nested.status_code == 400 and "nest deeper" in nested.json()["detail"]
    escape = client.put("/api/v1/me/preferences/", data='{"text": "hi \\u001b[2J"}', content_type="application/json")
    assert escape.status_code == 400 and "control characters" in escape.json()["text"][0]
    raw = client.post("/api/v1/me/ratings/", data=b'{"movie": 1, "rating": "\xff"}', content_type="application/json")
    assert raw.status_code == 400 and "UTF-8" in raw.json()["detail"]
    fine = client.post("/api/v1/me/ratings/", {"movie": heat.id, "rating": 4.5}, format="json")
    assert fine.status_code == 201


def test_a_server_error_is_json_for_api_clients_and_a_page_for_people(make_user, monkeypatch):
    from django.test import Client

    import recommender.api
    import recommender.views

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(recommender.api, "feed_document", broken)
    monkeypatch.setattr(recommender.views, "feed_document", broken)
    client = Client(raise_request_exception=False)
    client.force_login(make_user())
    api = client.get("/api/v1/me/feed/")
    assert (
        api.status_code == 500 and api["Content-Type"] == "application/json" and "Server error" in api.json()["detail"]
    )
    page = client.get("/for-you/?feed=1")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_an_oversize_body_and_a_bidirectional_override_are_json_400s_with_a_message(user_api, settings):
    client, _ = user_api
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    form = client.post("/api/v1/me/ratings/", data={"movie": "1" * 2000, "rating": "4"}, format="multipart")
    assert form.status_code == 400 and form.json()["detail"] == "The request is too large."
    body = client.post("/api/v1/me/ratings/", data='{"movie": 1, "rating": 4, "x": "' + "y" * 2000 + '"}',
                       content_type="application/json")  # fmt: skip
    assert body.status_code == 400 and body.json() == {"detail": "The request is too large."}
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
    flipped = client.put("/api/v1/me/preferences/", {"text": "I like \u202eromance"}, format="json")
    assert flipped.status_code == 400 and "control characters" in flipped.json()["text"][0]
