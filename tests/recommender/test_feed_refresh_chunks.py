"""A full feed refresh is split into chunks that workers share: every user is in exactly one chunk,
the queued chunk tasks cover everyone once, and running them writes every feed."""

import pytest

from catalog.changes import user_generation
from catalog.models import Rating
from catalog.preferences import preference_update
from recommender.models import UserFeed
from recommender.services.feeds import feed_refresh_user_chunks, feed_refresh_users
from workers.tasks import feed_refresh_all_task

pytestmark = pytest.mark.django_db


def test_every_user_is_in_exactly_one_chunk(serving_ease, make_user):
    words_only = make_user("words_only")
    preference_update(user=words_only, text="slow-burn science fiction")
    chunks = feed_refresh_user_chunks(chunk=5)
    everyone = [user_id for chunk in chunks for user_id in chunk]
    assert len(everyone) == len(set(everyone)) == 25  # 24 raters and one who only wrote words
    assert words_only.pk in everyone and all(len(chunk) <= 5 for chunk in chunks)


def test_the_queued_chunk_tasks_cover_everyone_once_and_write_every_feed(
    serving_ease, broker, django_capture_on_commit_callbacks
):
    UserFeed.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        queued = feed_refresh_all_task(serving_ease.pk)
    sent = broker.messages("default")
    assert queued == len(sent) and {name for name, _, _ in sent} == {"workers.feed_refresh_users"}
    covered = [user_id for _, (version_id, user_ids), _ in sent for user_id in user_ids]
    assert sorted(covered) == sorted(set(covered)) and len(covered) == 24
    written = sum(feed_refresh_users(version_id=version_id, user_ids=user_ids) for _, (version_id, user_ids), _ in sent)
    assert written == UserFeed.objects.count() == 24


def test_a_chunk_for_a_version_that_no_longer_serves_writes_nothing(serving_ease, taste_catalog):
    users_a, _, _, _ = taste_catalog
    UserFeed.objects.all().delete()
    assert feed_refresh_users(version_id=serving_ease.pk + 1000, user_ids=[users_a[0].pk]) == 0
    assert not UserFeed.objects.exists()


def test_one_chunk_writes_raters_and_writers_and_drops_the_feeds_of_people_with_nothing_left(
    serving_ease, taste_catalog, make_user, django_capture_on_commit_callbacks
):
    users_a, users_b, _, _ = taste_catalog
    writer, gone = make_user("words_only"), users_b[0]
    preference_update(user=writer, text="slow-burn science fiction")
    Rating.objects.filter(user=gone).delete()  # they had a feed; now no ratings and no words
    assert UserFeed.objects.filter(user=gone).exists()
    generations = {user.pk: user_generation(user.pk) for user in (users_a[0], writer, gone)}

    with django_capture_on_commit_callbacks(execute=True):
        written = feed_refresh_users(version_id=serving_ease.pk, user_ids=[users_a[0].pk, writer.pk, gone.pk])

    assert written == 2
    rater_feed, words_feed = UserFeed.objects.get(user=users_a[0]), UserFeed.objects.get(user=writer)
    assert rater_feed.ratings_seen == Rating.objects.filter(user=users_a[0]).count() and rater_feed.movie_ids
    assert len(rater_feed.movie_ids) == len(rater_feed.scores) == len(rater_feed.because_movie_ids)
    assert words_feed.ratings_seen == 0 and words_feed.movie_ids and words_feed.preferences_as_of is not None
    assert not UserFeed.objects.filter(user=gone).exists()
    assert all(user_generation(user_id) > before for user_id, before in generations.items())  # cached feeds retire
