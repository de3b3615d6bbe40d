"""The site in a real browser: headless Chromium (Debian's package) driven by Selenium."""

import time

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from catalog.models import Rating
from tests.conftest import CHROMEDRIVER, CHROMIUM, browser_sign_up

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium and chromedriver are not installed"),
]


def _wait(driver, condition, timeout=15):
    return WebDriverWait(driver, timeout).until(condition)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_visitor_signs_up_finds_a_movie_and_rates_it_with_half_stars(browser, live_server, make_movie):
    heat = make_movie("Heat", 1995, ("Crime",), overview="A group of professional bank robbers.")
    make_movie("Heathers", 1989, ("Comedy",))

    browser_sign_up(browser, live_server.url, "cinephile")
    _wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".account"), "cinephile"))

    search = browser.find_element(By.ID, "nav-q")
    search.send_keys("heat")
    search.submit()
    _wait(browser, EC.url_contains("q=heat"))  # the sign-up landed on a page listing Heat too
    _wait(
        browser, EC.presence_of_element_located((By.XPATH, "//a[span[@class='card-title' and text()='Heat']]"))
    ).click()
    _wait(browser, EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Heat"))

    # The stars are labels for visually hidden radios; clicking the 4.5 label saves by fetch().
    browser.find_element(By.CSS_SELECTOR, f"label[for='star-{heat.id}-4.5']").click()
    _wait(
        browser,
        EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-rating-status]"), "You rated this 4.5 stars."),
    )
    assert _wait(browser, EC.text_to_be_present_in_element((By.ID, "average"), "from 1 rating"))
    assert Rating.objects.get(user__username="cinephile", movie=heat).value == 4.5

    browser.refresh()
    assert browser.find_element(By.ID, f"star-{heat.id}-4.5").is_selected()

    browser.find_element(By.CSS_SELECTOR, "[data-remove]").click()
    _wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-rating-status]"), "Not rated yet"))
    assert not Rating.objects.exists()

    # With the keyboard, arrows walk through the stars and only where the person stops is saved.
    browser.execute_script("arguments[0].focus()", browser.find_element(By.ID, f"star-{heat.id}-0.5"))
    ActionChains(browser).send_keys(Keys.ARROW_RIGHT).pause(0.1).send_keys(Keys.ARROW_RIGHT).perform()
    time.sleep(0.6)  # a click would have saved by now; the arrows wait for the person to stop
    assert not Rating.objects.exists()
    _wait(
        browser,
        EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-rating-status]"), "You rated this 1.5 stars."),
    )
    assert Rating.objects.get(user__username="cinephile", movie=heat).value == 1.5


@pytest.mark.django_db(transaction=True)
def test_rating_works_without_javascript(tmp_path, live_server, make_movie, make_user):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 f"--user-data-dir={tmp_path / 'nojs'}"):  # fmt: skip
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        movie = make_movie("Alien", 1979)
        make_user("ripley", password="a-long-test-password")
        driver.get(f"{live_server.url}/accounts/login/?next=/movies/{movie.id}/")
        driver.find_element(By.ID, "id_username").send_keys("ripley")
        driver.find_element(By.ID, "id_password").send_keys("a-long-test-password")
        driver.find_element(By.CSS_SELECTOR, "form.auth-form button[type=submit]").click()
        _wait(driver, EC.presence_of_element_located((By.CSS_SELECTOR, f"label[for='star-{movie.id}-3.5']"))).click()
        driver.find_element(By.CSS_SELECTOR, "[data-save]").click()
        _wait(driver, EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".messages"), "You rated Alien 3.5 stars."))
        assert Rating.objects.get(user__username="ripley").value == 3.5
    finally:
        driver.quit()


@pytest.mark.django_db(transaction=True)
def test_the_search_box_answers_a_question_and_shows_how_it_read_a_request(browser, live_server, make_movie):
    from catalog.models import Credit, Person

    heat = make_movie("Heat", 1995, ("Crime",), rating_count=10)
    make_movie("The Shining", 1997, ("Crime", "Horror"), rating_count=50)
    Credit.objects.create(movie=heat, person=Person.objects.create(name="Michael Mann"), role="director")

    browser.get(f"{live_server.url}/")
    search = browser.find_element(By.ID, "nav-q")
    search.send_keys("who directed heat?")
    search.submit()
    _wait(
        browser,
        EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".answer"), "Heat (1995) was directed by Michael Mann."),
    )

    search = browser.find_element(By.ID, "nav-q")
    search.clear()
    search.send_keys("crime movies from the 90s, no horror")
    search.submit()
    _wait(browser, EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".understood"), "no Horror"))
    chips = [chip.text for chip in browser.find_elements(By.CSS_SELECTOR, ".understood .chip")]
    assert chips == ["Crime", "1990s", "no Horror"]
    titles = [card.text for card in browser.find_elements(By.CSS_SELECTOR, ".feed .card-title")]
    assert titles == ["Heat"]


@pytest.mark.django_db(transaction=True)
def test_sign_up_leads_to_onboarding_where_skips_and_ratings_count_without_a_reload(browser, live_server, make_movie):
    heat = make_movie("Heat", 1995, ("Crime",), rating_count=50)
    heathers = make_movie("Heathers", 1989, ("Comedy",), rating_count=40)
    browser_sign_up(browser, live_server.url, "newcomer")
    _wait(browser, EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Tell us what you have seen"))
    assert "0 of 5 ratings" in browser.find_element(By.ID, "onboarding-count").text
    posters = browser.find_elements(By.CSS_SELECTOR, "li.card img.poster")
    assert len(posters) == 2 and all(p.get_attribute("alt").startswith("Poster for") for p in posters)

    card = browser.find_element(By.XPATH, "//li[.//span[text()='Heathers']]")
    card.find_element(By.CSS_SELECTOR, "[data-skip-form] button").click()
    _wait(browser, EC.staleness_of(card))  # gone without a reload
    browser.find_element(By.CSS_SELECTOR, f"label[for='star-{heat.id}-4.5']").click()
    _wait(browser, EC.text_to_be_present_in_element((By.ID, "onboarding-count"), "1 of 5 ratings"))
    assert Rating.objects.get(user__username="newcomer").movie_id == heat.id
    assert not Rating.objects.filter(movie=heathers).exists()


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_header_keeps_to_two_rows_and_the_links_fold_into_a_menu(browser, live_server, make_user):
    make_user("pocket", password="a-long-test-password")
    browser.set_window_size(390, 844)
    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.ID, "id_username").send_keys("pocket")
    browser.find_element(By.ID, "id_password").send_keys("a-long-test-password")
    browser.find_element(By.CSS_SELECTOR, "form.auth-form button[type=submit]").click()
    _wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, ".account form")))  # signed in
    header = browser.find_element(By.CSS_SELECTOR, ".site-header").size["height"]
    row = browser.find_element(By.ID, "nav-q").size["height"]
    assert header < 4.5 * row  # two rows of controls and their padding, not three or four
    assert not browser.find_element(By.CSS_SELECTOR, ".nav-links").is_displayed()
    browser.find_element(By.CSS_SELECTOR, ".nav-menu summary").click()
    browser.find_element(By.CSS_SELECTOR, ".nav-menu-links a[href='/me/watchlist/']").click()
    _wait(browser, EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Your watchlist"))
