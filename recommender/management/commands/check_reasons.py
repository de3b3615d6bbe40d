"""Check that the reasons people see are true: `manage.py check_reasons --sample 200`.

Samples served feed items across users (both rankings), checks every reason against the data
(a quoted phrase must share a genre, keyword or description term with the movie; a cited movie
must be one the user rated at least 4 stars, with the stars stated; a movie called close must share
a genre with it) and prints the counts, every
unsupported reason and a few supported ones. Exits with an error when any reason is unsupported.
"""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from recommender.engine.text.reason_check import CITE_MIN
from recommender.selectors.reason_audit import FEED_DEPTH, PER_FEED, reason_audit


class Command(BaseCommand):
    help = "Check a sample of feed reasons against the movies' metadata and the users' ratings."

    def add_arguments(self, parser):
        parser.add_argument("--sample", type=int, default=200, help="feed items to check (default 200)")
        parser.add_argument("--seed", type=int, default=0, help="which users are sampled")
        parser.add_argument("--examples", type=int, default=10, help="supported reasons to print")
        parser.add_argument("--written", action="store_true", help="only people who wrote their preferences")
        parser.add_argument("--per-feed", type=int, default=PER_FEED, help=f"items per feed (default {PER_FEED})")

    def handle(self, *args, sample: int, seed: int, examples: int, written: bool, per_feed: int, **options):
        if sample < 1 or not 1 <= per_feed <= FEED_DEPTH:
            raise CommandError(f"--sample must be at least 1 and --per-feed between 1 and {FEED_DEPTH}")
        checked = reason_audit(sample=sample, seed=seed, written_only=written, per_feed=per_feed)
        if not checked:
            raise CommandError("no feeds to check: train a feed model first (make run does)")
        users = len({row.user_id for row in checked})
        who = "users who wrote their preferences" if written else "users"
        self.stdout.write(
            f"protocol: {len(checked)} feed items, {per_feed} per user and ranking from each feed's top {FEED_DEPTH}, "
            f"{users} {who} in a random order (seed {seed}); a quote must share a genre, keyword or description "
            f"term with its movie, a cited movie must be rated >= {CITE_MIN:g} stars by the user, as stated, "
            "and a movie called close must share a genre with it"
        )
        unsupported = [row for row in checked if row.problems]
        for claim, count in Counter(row.claim for row in checked).most_common():
            bad = sum(1 for row in unsupported if row.claim == claim)
            self.stdout.write(f"  {count:4d} rest on {claim}: {bad} unsupported")
        self.stdout.write(f"unsupported: {len(unsupported)} of {len(checked)}")
        for row in unsupported:
            self.stdout.write(f"  UNSUPPORTED user {row.user_id} ({row.ranking}) {row.title}: {row.reason}")
            for problem in row.problems:
                self.stdout.write(f"    - {problem}")
        for row in [row for row in checked if not row.problems][:examples]:
            self.stdout.write(f"  ok user {row.user_id} ({row.ranking}) {row.title}: {row.reason}")
        if unsupported:
            raise CommandError(f"{len(unsupported)} of {len(checked)} reasons are not supported by the data")
