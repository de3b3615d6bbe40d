"""Shared fixtures. Tests run against the real embedded PostgreSQL (+pgvector) and Redis that
`make test` starts on their own ports and data folder (see Makefile, TEST_ENV)."""

from __future__ import annotations

import base64
import itertools
import json
import shutil

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from catalog.models import Genre, Movie
from catalog.services import user_signup

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default hasher costs ~0.3 s per user by design; tests create dozens of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    # The cache is real Redis: throttle counters must not leak from one test into the next.
    cache.clear()
    yield


class BrokerQueues:
    """The messages really sent to the test Redis broker (workers.dispatch.enqueue), read back as
    (task name, args, kwargs) per queue, oldest first. Nothing consumes them during a test."""

    QUEUES = ("default", "gpu")

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)

    def purge(self) -> None:
        self.client.delete(*self.QUEUES)

    def messages(self, queue: str) -> list[tuple[str, list, dict]]:
        read = []
        for raw in reversed(self.client.lrange(queue, 0, -1)):  # kombu pushes on the left
            message = json.loads(raw)
            args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
            read.append((message["headers"]["task"], args, kwargs))
        return read

    def tasks(self, queue: str) -> list[str]:
        return [name for name, _, _ in self.messages(queue)]


@pytest.fixture
def broker(settings):
    """The real broker's queues, emptied before and after the test (see BrokerQueues)."""
    queues = BrokerQueues(settings.CELERY_BROKER_URL)
    queues.purge()
    yield queues
    queues.purge()


@pytest.fixture
def make_user(db):
    def make(username: str | None = None, password: str = "a-long-test-password"):
        return user_signup(username=username or f"user{next(_counter)}", password=password)

    return make


@pytest.fixture
def make_movie(db):
    def make(title: str | None = None, year: int | None = 1995, genres: tuple[str, ...] = (), **fields):
        movie = Movie.objects.create(title=title or f"Movie {next(_counter)}", year=year, **fields)
        for name in genres:
            movie.genres.add(Genre.objects.get_or_create(name=name)[0])
        return movie

    return make


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def user_api(make_user):
    """An API client logged in (by token) as a fresh user: returns (client, user)."""
    from rest_framework.authtoken.models import Token

    user = make_user()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client, user


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium (Debian's package) driven by Selenium; `make test` installs both."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("chromium and chromedriver are not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1280,900"):  # fmt: skip
        options.add_argument(flag)
    # An explicit driver path: Selenium Manager would otherwise try to download one.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()
