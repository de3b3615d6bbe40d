"""What follows a change to a person's ratings, written preferences or "not interested" marks.

Once the change commits, two things happen, in this order:
1. the user's cache generation moves on, at once and in this process, so a cached page built from
   the old data (the feed document, recommender/selectors/feeds.py) is never served again;
2. a worker is asked, by task name, to refresh the user's feed (debounced there).
Catalog knows nothing of feeds beyond that task name: recommender reads the generation, not the reverse.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from workers.dispatch import enqueue


def user_generation(user_id: int) -> int:
    """A counter that moves on whenever the user's data changes: put it in per-user cache keys."""
    return cache.get(_generation_key(user_id), 0)


def user_generation_bump(user_id: int) -> None:
    """Retire every per-user cached document now (call after the change has committed)."""
    users_generation_bump([user_id])


def users_generation_bump(user_ids) -> None:
    """user_generation_bump for many users at once (a chunk of a feed refresh): one round trip."""
    cache.counters_bump([_generation_key(user_id) for user_id in user_ids])


def personal_data_changed(*, user_id: int) -> None:
    """Call inside the write's transaction: the cache and the feed follow once it commits."""
    transaction.on_commit(lambda: user_generation_bump(user_id))
    enqueue("workers.feed_refresh_request", args=[user_id])


def _generation_key(user_id: int) -> str:
    return f"user-generation:{user_id}"
