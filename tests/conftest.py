"""Shared fixtures. Tests run against the real embedded PostgreSQL (+pgvector) and Redis that
`make test` starts on their own ports and data folder (see Makefile, TEST_ENV)."""

from __future__ import annotations

import base64
import itertools
import json
import random
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from catalog.models import Genre, Movie, Rating
from catalog.services import movie_stats_refresh, user_signup
from recommender.services.feeds import feed_refresh_all
from training.services.runs import training_run_create, training_run_execute

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


def pytest_collection_modifyitems(config, items):
    """Tests marked `gpu` need CUDA: skipped, with the reason, where there is none."""
    gpu_tests = [item for item in items if item.get_closest_marker("gpu")]
    if gpu_tests:
        import torch

        if not torch.cuda.is_available():
            for item in gpu_tests:
                item.add_marker(pytest.mark.skip(reason="needs CUDA (a GPU worker machine)"))


# --- the `ml` marker stays honest ------------------------------------------------------------
# A test that runs a neural network (a forward pass of any torch module: MiniLM, SmolLM2, their
# fine-tuning) must be marked `ml`, so `make test-fast` (-m "not ml ...") stays fast. Watching
# torch.nn.Module.__call__ observes the real call; nothing is replaced.
_network_ran = False


@pytest.fixture(scope="session", autouse=True)
def _watch_neural_networks():
    import torch

    original = torch.nn.Module.__call__

    def watched(self, *args, **kwargs):
        global _network_ran
        _network_ran = True
        return original(self, *args, **kwargs)

    torch.nn.Module.__call__ = watched
    yield
    torch.nn.Module.__call__ = original


@pytest.fixture(autouse=True)
def _ml_marker_is_honest(request):
    global _network_ran
    _network_ran = False
    yield
    if _network_ran and request.node.get_closest_marker("ml") is None:
        pytest.fail("this test runs a neural network: mark it @pytest.mark.ml (see README, Tests)")


class BrokerQueues:
    """The messages really sent to the test Redis broker (workers.dispatch.enqueue), read back as
    (task name, args, kwargs) per queue, oldest first. Nothing consumes them during a test."""

    QUEUES = ("default", "gpu", "interactive")

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
def broker_down():
    """The Celery app points at a port nobody listens on (a real refused connection, not a mock),
    without publish retries; restored afterwards."""
    from recsite.celery import app

    saved = (
        app.conf.broker_url,
        app.conf.broker_write_url,
        app.conf.task_publish_retry,
        app._pool,
        app.amqp._producer_pool,
    )
    app.conf.broker_url = app.conf.broker_write_url = "redis://127.0.0.1:9/0"
    app.conf.task_publish_retry, app._pool, app.amqp._producer_pool = False, None, None
    yield
    app.conf.broker_url, app.conf.broker_write_url, app.conf.task_publish_retry, app._pool, app.amqp._producer_pool = (
        saved
    )


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
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})  # console errors, read by the journeys
    # An explicit driver path: Selenium Manager would otherwise try to download one.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def browser_sign_up(browser, base_url: str, username: str, password: str = "a-long-test-password") -> None:
    """Fill in and send the sign-up form in the browser (the page it lands on is the caller's to check)."""
    from selenium.webdriver.common.by import By

    browser.get(f"{base_url}/accounts/signup/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password1").send_keys(password)
    browser.find_element(By.ID, "id_password2").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "form.auth-form button[type=submit]").click()


def stop_process(process, timeout: float = 30) -> None:
    """TERM, then KILL if it is still there after `timeout` seconds (a test's worker process)."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- a small catalog with taste structure, in the real database: two groups of users who each like
# one group of movies (5 stars) and dislike the other (1 star), with some movies left unrated.


@pytest.fixture
def taste_catalog(make_user):
    """Returns (users_a, users_b, movies_a, movies_b); each user rated a random 60% of the movies."""
    rng = random.Random(7)
    movies_a = [Movie.objects.create(title=f"Space Opera {n}", year=1980 + n, keywords=["spaceship", "alien"])
                for n in range(15)]  # fmt: skip
    movies_b = [Movie.objects.create(title=f"Costume Drama {n}", year=1980 + n, keywords=["ballroom", "manor"])
                for n in range(15)]  # fmt: skip
    science_fiction, drama = Genre.objects.create(name="Sci-Fi"), Genre.objects.create(name="Drama")
    for movie in movies_a:
        movie.genres.add(science_fiction)
    for movie in movies_b:
        movie.genres.add(drama)
    users_a = [make_user(f"scifi{n}") for n in range(12)]
    users_b = [make_user(f"period{n}") for n in range(12)]
    ratings = []
    for group, liked, disliked in ((users_a, movies_a, movies_b), (users_b, movies_b, movies_a)):
        for user in group:
            for movie in rng.sample(liked, 9) + rng.sample(disliked, 3):
                value = 5.0 if movie in liked else 1.0
                stamp = datetime(2020, 1, 1, tzinfo=UTC).replace(minute=rng.randrange(60), second=rng.randrange(60))
                ratings.append(Rating(user=user, movie=movie, value=value, rated_at=stamp))
    Rating.objects.bulk_create(ratings)
    movie_stats_refresh()
    return users_a, users_b, movies_a, movies_b


@pytest.fixture
def serving_ease(taste_catalog, settings, tmp_path):
    settings.MODEL_DIR = tmp_path / "models"
    settings.FEED_MODEL_KIND = "ease"
    run = training_run_create(
        kind="ease", parameters={"lam": 10.0, "min_item_count": 1, "min_rating": 4.0}, dispatch=False
    )
    version = training_run_execute(run_id=run.pk, worker="test").model_version
    feed_refresh_all(version_id=version.pk)
    return version


@pytest.fixture
def serving_svd(taste_catalog, settings, tmp_path):
    """A serving SVD (predicted stars) on the taste catalog."""
    settings.MODEL_DIR = tmp_path / "models"
    run = training_run_create(kind="svd", parameters={"factors": 8, "epochs": 60, "lr": 0.01}, dispatch=False)
    return training_run_execute(run_id=run.pk, worker="test").model_version
