"""A newcomer's journey through the site in headless Chromium, on a desktop and a phone screen.

Sign-up -> onboarding with a skip -> 10 ratings -> personal feed with predicted stars -> words ->
movie page -> watchlist -> hide and undo -> person page -> search. Every page on the way must show a
poster on every card, no model version name or internal word, no console error, and every internal
link it offers must answer. Screenshots go to var/.../artifacts/journeys/ for people to look at.
"""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from catalog.models import Credit, NotInterested, Person, PreferenceProfile, Rating, WatchlistEntry
from recommender.services.feeds import feed_refresh_for_user
from tests.conftest import CHROMEDRIVER, CHROMIUM, browser_sign_up

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.ml,  # the search box reads the request with the bundled models
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium and chromedriver are not installed"),
]

SCREENS = {"desktop": (1366, 900), "phone": (390, 844)}
INTERNAL_WORDS = re.compile(r"\b(ease|svd|svdpp|popularity|reranker)-v\d+|re-?ranker|closeness \d", re.IGNORECASE)
MAX_PAGE_BYTES = 300_000  # HTML + CSS + JS of one page; posters are images and do not count


def _wait(driver, condition, timeout=15):
    return WebDriverWait(driver, timeout).until(condition)


class Journey:
    """Checks every page the browser lands on and remembers the links it offered."""

    def __init__(self, browser, live_server, screen: str):
        self.browser, self.base, self.screen = browser, live_server.url, screen
        self.links: set[str] = set()
        self.largest_page = 0
        self.folder = settings.VAR_DIR / "artifacts" / "journeys"
        self.folder.mkdir(parents=True, exist_ok=True)

    def go(self, path: str) -> None:
        self.browser.get(self.base + path)

    def check(self, name: str) -> None:
        browser = self.browser
        cards = browser.find_elements(By.CSS_SELECTOR, "li.card")
        posters = browser.find_elements(By.CSS_SELECTOR, "li.card img.poster")
        assert len(posters) == len(cards), f"{name}: {len(cards)} cards, {len(posters)} posters"
        assert all(p.get_attribute("alt") for p in browser.find_elements(By.TAG_NAME, "img")), (
            f"{name}: an image without alt"
        )
        text = browser.find_element(By.TAG_NAME, "body").text
        assert not INTERNAL_WORDS.search(text), f"{name}: internal words shown: {INTERNAL_WORDS.search(text)[0]!r}"
        errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == [], f"{name}: console errors {errors}"
        unlabelled = browser.execute_script(
            "return [...document.querySelectorAll('input:not([type=hidden]), textarea, select')]"
            ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name || e.id)"
        )
        assert unlabelled == [], f"{name}: controls without a label {unlabelled}"
        for anchor in browser.find_elements(By.CSS_SELECTOR, "a[href^='/']"):
            self.links.add(anchor.get_attribute("href").removeprefix(self.base).split("#")[0])
        self.largest_page = max(self.largest_page, len(browser.page_source.encode()))
        browser.save_screenshot(str(self.folder / f"{self.screen}-{name}.png"))


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.django_db(transaction=True)
def test_a_newcomers_journey_from_sign_up_to_search(
    browser, live_server, client, screen, serving_ease, serving_svd, taste_catalog
):
    _, _, space_operas, _ = taste_catalog
    director = Person.objects.create(name="Ridley Vance")
    for movie in space_operas[:3]:
        Credit.objects.create(movie=movie, person=director, role="director")
    browser.set_window_size(*SCREENS[screen])
    journey = Journey(browser, live_server, screen)

    journey.go("/")
    journey.check("home")
    browser_sign_up(browser, live_server.url, f"newcomer-{screen}")
    _wait(browser, EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Tell us what you have seen"))
    journey.check("onboarding")
    user = get_user_model().objects.get(username=f"newcomer-{screen}")

    skipped = browser.find_elements(By.CSS_SELECTOR, "li.card")[0]
    skipped.find_element(By.CSS_SELECTOR, "[data-skip-form] button").click()
    _wait(browser, EC.staleness_of(skipped))
    for rated, card in enumerate(browser.find_elements(By.CSS_SELECTOR, "li.card")[:10], start=1):
        stars = "4.5" if "Space Opera" in card.text else "1.0"
        card.find_element(By.CSS_SELECTOR, f"label[for$='-{stars}']").click()
        _wait(browser, lambda driver, n=rated: Rating.objects.filter(user=user).count() == n)
    _wait(browser, EC.text_to_be_present_in_element((By.ID, "onboarding-count"), "personal now"))

    feed_refresh_for_user(user_id=user.pk)  # what the worker does after the ratings
    journey.go("/for-you/?feed=1")
    _wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, ".feed-item .predicted")))
    assert "Picked and ordered by the ratings of people with tastes like yours" in browser.page_source
    journey.check("feed")
    browser.find_element(By.ID, "preferences-text").send_keys("Space battles and starships, please.")
    browser.find_element(By.CSS_SELECTOR, "#preferences form button[type=submit]").click()
    _wait(browser, lambda driver: PreferenceProfile.objects.filter(user=user).exclude(text="").exists())

    movie = space_operas[0]
    journey.go(f"/movies/{movie.id}/")
    journey.check("movie")
    browser.find_element(By.CSS_SELECTOR, "form.watchlist button").click()
    _wait(browser, lambda driver: WatchlistEntry.objects.filter(user=user, movie=movie).exists())
    browser.find_element(By.CSS_SELECTOR, "form.not-interested button[value=mark]").click()
    _wait(browser, lambda driver: NotInterested.objects.filter(user=user, movie=movie).exists())
    journey.go("/me/watchlist/")
    journey.check("watchlist")
    journey.go("/me/hidden/")
    journey.check("hidden")
    browser.find_element(By.CSS_SELECTOR, "form.not-interested button[value=undo]").click()
    _wait(browser, EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "You have not hidden any movie."))

    journey.go(f"/movies/{movie.id}/")
    browser.find_element(By.LINK_TEXT, "Ridley Vance").click()
    _wait(browser, EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Ridley Vance"))
    journey.check("person")
    search = browser.find_element(By.ID, "nav-q")
    search.send_keys("costume drama with a ballroom")
    search.submit()
    _wait(browser, EC.url_contains("/search/"))
    journey.check("search")

    client.force_login(user)
    broken = {link: client.get(link).status_code for link in sorted(journey.links)}
    assert {link: code for link, code in broken.items() if code >= 400} == {}
    static = sum(
        path.stat().st_size for path in (settings.BASE_DIR / "static").rglob("*") if path.suffix in (".css", ".js")
    )
    assert journey.largest_page + static < MAX_PAGE_BYTES
