"""The search box: a request is parsed (services/query_parser), then routed by what it asks.

- A recommendation request ("something like Alien but less gory", "funny 80s movies with Bill
  Murray") gets movies conditioned on what it names: close to the named titles and to its themes,
  plot or mood (pgvector over the movie embeddings), filtered by its people, genres and decades,
  never of a genre it excludes, nudged away from what it wants less of and towards what it wants
  more of, and for a logged-in user ordered by their ratings too (the serving CF model) without the
  movies they rated or hid. A mixed request also gets the answer to its question.
- Anything else is answered from the catalog (search_answers): "Heat (1995) was directed by
  Michael Mann", a title's own page for a bare title ("heat 1995"), a polite pointer otherwise.

A request that describes rather than names ("a heist movie with a twist ending", a paragraph about
a rainy Sunday) is read whole by the free-text pipeline (selectors/free_text.py): bi-encoder and
full-text candidates fused, the cross-encoder on the first few, blended by weights fitted on
validation requests. Requests that name a film keep the hand-set blend below (SCORE_WEIGHTS); the
"less"/"more" and personal terms (hand-set too) apply to both.

Every hit carries a reason built from the movie's own data (a shared director, genres, keywords,
a line of its description), so it is true of that movie.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from pgvector.django import CosineDistance

from catalog.models import Movie, NotInterested, Rating
from recommender.engine.query.lexicon import mentions_film, unexplained_words
from recommender.engine.query.limits import NO_LIMITS, Limits, limits_in
from recommender.engine.query.schema import ParsedQuery
from recommender.engine.query.studios import studio_companies, studios_named
from recommender.engine.similar import CO_LIKE_WEIGHT, MIN_SHARED_LIKERS
from recommender.engine.text.documents import NOT_THEMES
from recommender.engine.text.exclusions import RuledOut
from recommender.models import MovieEmbedding
from recommender.selectors.exclusions import ruled_out_filter, user_ruled_out
from recommender.selectors.free_text import free_text_rank, free_text_reasons, fulltext_for
from recommender.selectors.search_answers import MOVIE_FACTS, and_join, answer_for
from recommender.selectors.similar import co_likes
from recommender.services.embeddings import embedder
from recommender.services.query_parser import query_parse
from recommender.services.registry import serving_model

SEARCH_ROUTES = ("recommendations", "answer", "title")
NOTHING_RULED_OUT = RuledOut()
NEAREST = 300  # candidates fetched per similarity signal before blending
SHORT_REQUEST_WORDS = 12  # up to this many words a request's genres must all hold; beyond, any of them
EF_SEARCH = 400
# Hand-set blend (not fitted yet): closeness to what was asked dominates; quality and popularity keep
# a film with 2 ratings from outranking a classic at the same closeness; the user's CF score orders
# what is left; each "less"/"more" phrase moves a movie by its closeness to that phrase.
SCORE_WEIGHTS = {"similarity": 1.0, "quality": 0.15, "popularity": 0.15, "personal": 0.3, "less_more": 0.5}


@dataclass
class SearchHit:
    movie: Movie
    score: float
    reason: str


@dataclass
class SearchResult:
    query: str
    parse: ParsedQuery
    parser: str  # which parser read the request (name and model version)
    route: str  # "recommendations", "answer" (a fact or a reply) or "title" (the movies named)
    answer: str = ""  # the sentence answering a question; "" when there is none
    understood: list[str] = field(default_factory=list)  # what the request was read as, for people to check
    hits: list[SearchHit] = field(default_factory=list)


def search_run(*, user, query: str, k: int = 20, genre: str = "", decade: int | None = None) -> SearchResult:
    """Parse and answer one request. Raises QueryError (a ValueError with a message) for bad input."""
    parse, parser = query_parse(query)
    if parse.intent == "non_rec" and parse.ask == "other" and mentions_film(query):
        # "alien invasion movie" read as off-topic: a request that speaks of films is about films.
        parse = replace(parse, intent="rec", ask=None)
    limits = limits_in(query, years=not parse.titles)  # "from 1999", "under 90 minutes"
    if limits and not parse.titles and (parse.ask in MOVIE_FACTS or parse.ask == "lookup"):
        # "short movies under 90 minutes" asks for movies, not for the runtime of a movie it never names.
        parse = replace(parse, intent="rec", ask=None)
    result = SearchResult(query=query, parse=parse, parser=parser, route="recommendations",
                          understood=understood(parse))  # fmt: skip
    # Read once, from the request as parsed: the looser second pass below keeps them.
    studios = studios_named(query) if parse.intent == "rec" else []
    standing = standing_exclusions(user=user, parse=parse, genre=genre) if parse.intent == "rec" else NOTHING_RULED_OUT
    limits = limits if parse.intent == "rec" else NO_LIMITS
    result.understood += [f"from {brand}" for brand in studios] + limits.describe()
    result.understood += [f"leaving out {standing.describe()}, as your words ask"] if standing else []
    if parse.intent == "non_rec":
        result.answer, movies = answer_for(parse=parse, user=user)
        result.route = "answer" if result.answer else "title"
        result.hits = [SearchHit(movie, 1.0, str(movie)) for movie in _with_remakes(movies, parse)][:k]
        return result
    if parse.ask in MOVIE_FACTS:  # "who directed Heat? and something like it": the fact, then the movies
        result.answer, _ = answer_for(parse=parse, user=user)
    read_once = {"studios": studios, "standing": standing, "limits": limits}
    result.hits = recommendations_for(parse=parse, query=query, user=user, k=k, genre=genre, decade=decade, **read_once)
    if len(result.hits) < k and len(query.split()) > SHORT_REQUEST_WORDS and (parse.people or parse.genres):
        # A long description names people and genres in passing ("I've seen every Tarantino film, I
        # want more in that vein"): when they leave fewer than k films, its words rank the rest.
        looser = replace(parse, people=[], genres=[])
        shown = {hit.movie.pk for hit in result.hits}
        more = recommendations_for(parse=looser, query=query, user=user, k=2 * k, genre=genre, decade=decade,
                                   **read_once)  # fmt: skip
        result.hits += [hit for hit in more if hit.movie.pk not in shown][: k - len(result.hits)]
    return result


def understood(parse: ParsedQuery) -> list[str]:
    """The parse in a few words: ["like Alien (1979)", "with Bill Murray", "Comedy", "1980s", "no Horror"]."""
    roles = {"director": "directed by", "writer": "written by", "cast": "with", None: "with"}
    words = [f"{'like ' if parse.intent == 'rec' else ''}{title.title}" + (f" ({title.year})" if title.year else "")
             for title in parse.titles]  # fmt: skip
    words += [f"{roles[person.role]} {person.name}" for person in parse.people]
    words += parse.genres + [f"{decade}s" for decade in parse.decades]
    words += [f"about {theme}" for theme in parse.themes] + ([f"where {parse.plot}"] if parse.plot else [])
    words += [f"no {genre}" for genre in parse.constraints.exclude_genres]
    words += [f"less {word}" for word in parse.constraints.less] + [f"more {word}" for word in parse.constraints.more]
    return words


def recommendations_for(
    *,
    parse: ParsedQuery,
    query: str,
    user,
    k: int,
    genre: str = "",
    decade: int | None = None,
    studios: list[str] = (),
    standing: RuledOut = NOTHING_RULED_OUT,
    limits: Limits = NO_LIMITS,
) -> list[SearchHit]:
    """`studios`: the brands the request names (studios_named); `standing`: what the person's own
    words rule out (standing_exclusions); `limits`: the years and running times it asks for."""
    # A long description mentions genres in passing ("funny, a bit romantic, nothing too dark"): any
    # of them will do. A short request names the kind it wants ("buddy cop action comedy"): all of them.
    short = len(query.split()) <= SHORT_REQUEST_WORDS
    movies = Movie.objects.filter(_filters(parse, genre, decade, all_genres=short, studios=studios, limits=limits))
    named = [title.id for title in parse.titles]
    excluded = set(named)
    rated: dict[int, float] = {}
    if user.is_authenticated:
        rated = dict(Rating.objects.filter(user=user).values_list("movie_id", "value"))
        excluded |= set(rated) | set(NotInterested.objects.filter(user=user).values_list("movie_id", flat=True))
    if standing:
        movies = movies.exclude(ruled_out_filter(standing))
    movies = movies.exclude(pk__in=excluded)
    vectors = _similarity_vectors(parse, query, named, limits)
    if named and "titles" not in vectors:  # the named movies are not embedded yet: their genres stand in
        shared = Movie.objects.filter(genres__movies__in=named).values("pk")
        movies = movies.filter(pk__in=shared)
    free_text = "text" in vectors and not named  # described, not named: the narrative pipeline ranks it
    fulltext = fulltext_for(query) if free_text else []
    shared, co_like = _named_co_likes(named)  # "like Up": what the people who liked Up liked too
    candidates = _candidates(movies, vectors, [*fulltext, *co_like]) or _by_popularity(movies)  # no embeddings
    if not candidates and parse.genres and (len(parse.genres) > 1 or free_text):
        # "funny horror westerns": any of them, not all; a described request ("...rather than action")
        # may have been read with a genre it did not ask for: its words still rank the catalog.
        loose = Movie.objects.filter(
            _filters(
                parse, genre, decade, all_genres=False, parsed_genres=not free_text, studios=studios, limits=limits
            )
        )
        loose = loose.exclude(pk__in=excluded)
        candidates = _candidates(loose, vectors, [*fulltext, *co_like]) or _by_popularity(loose)
    if not candidates:
        return []
    if free_text:
        candidates, scores = free_text_rank(query=query, movies=candidates, fulltext=fulltext)
        scores = scores + _adjustments(candidates, vectors, rated)
    else:
        scores = _blend(candidates, vectors, rated, co_like)
    order = np.argsort(-scores, kind="stable")[:k]
    chosen = [candidates[i] for i in order]
    reasons = free_text_reasons(query, chosen) if free_text else _reasons(chosen, parse, named, shared)
    if limits.max_minutes or limits.min_minutes:  # every hit runs as long as asked: say how long
        reasons = [f"{reason} · {movie.runtime} minutes" for movie, reason in zip(chosen, reasons, strict=True)]
    if studios:  # every hit is from a studio named: say which
        reasons = [
            f"From {_studio_of(movie, studios)} · {reason}" for movie, reason in zip(chosen, reasons, strict=True)
        ]
    return [SearchHit(candidates[i], float(scores[i]), reason) for i, reason in zip(order, reasons, strict=True)]


def standing_exclusions(*, user, parse: ParsedQuery, genre: str = "") -> RuledOut:
    """What the person's own words rule out of every ranking ("no horror"), less the genres this
    request asks for by name ("a horror movie like Alien" wants horror)."""
    if not user.is_authenticated:
        return NOTHING_RULED_OUT
    return user_ruled_out(user_id=user.pk).without({*parse.genres, *([genre] if genre else [])})


def _studio_of(movie: Movie, brands: list[str]) -> str:
    return next(brand for brand in brands if set(studio_companies([brand])) & set(movie.studios or []))


def _filters(
    parse: ParsedQuery,
    genre: str,
    decade: int | None,
    all_genres: bool = True,
    parsed_genres: bool = True,
    studios: list[str] = (),
    limits: Limits = NO_LIMITS,
) -> Q:
    condition = Q()
    if limits.years:
        condition &= Q(year__in=limits.years)
    if limits.max_minutes:  # a movie of unknown length cannot be promised short
        condition &= Q(runtime__lte=limits.max_minutes)
    if limits.min_minutes:
        condition &= Q(runtime__gte=limits.min_minutes)
    if studios:  # "pixar movies": made by any of the studios named
        condition &= Q(*[Q(studios__contains=[name]) for name in studio_companies(studios)], _connector=Q.OR)
    if genre:  # the filter a person chose is always kept
        condition &= Q(pk__in=Movie.objects.filter(genres__name__iexact=genre).values("pk"))
    wanted = parse.genres if parsed_genres else []
    if wanted and all_genres:
        for name in wanted:
            condition &= Q(pk__in=Movie.objects.filter(genres__name__iexact=name).values("pk"))
    elif wanted:
        condition &= Q(pk__in=Movie.objects.filter(genres__name__in=wanted).values("pk"))
    if parse.constraints.exclude_genres:
        condition &= ~Q(pk__in=Movie.objects.filter(genres__name__in=parse.constraints.exclude_genres).values("pk"))
    decades = [decade] if decade is not None else parse.decades
    if decades:
        condition &= Q(*[Q(year__gte=start, year__lt=start + 10) for start in decades], _connector=Q.OR)
    for person in parse.people:  # in the role asked for ("directed by"), else in any role
        credits = Movie.objects.filter(credits__person__name=person.name)
        in_role = Movie.objects.filter(credits__person__name=person.name, credits__role=person.role)
        condition &= Q(pk__in=(in_role if person.role and in_role.exists() else credits).values("pk"))
    return condition


def _similarity_vectors(
    parse: ParsedQuery, query: str, named: list[int], limits: Limits = NO_LIMITS
) -> dict[str, np.ndarray]:
    """The vectors a request's movies should be close to: its named titles, its themes or plot, or
    (with nothing structured in it, "something for date night") the request itself."""
    vectors = {}
    stored = list(MovieEmbedding.objects.filter(movie_id__in=named).values_list("vector", flat=True))
    if stored:
        vectors["titles"] = np.mean(np.asarray(stored, dtype=np.float32), axis=0)
    phrases = {}
    text = " ".join([*parse.themes, parse.plot or ""]).strip()
    leftover = unexplained_words(query, explained=[*(person.name for person in parse.people), *limits.phrases])
    if not named and (text or leftover or not (parse.people or parse.genres or parse.decades or limits)):
        # A described request is read whole (the bi-encoder was trained on whole requests), and so is
        # one with words the parse did not place ("90s teen comedies": "teen").
        text = query
    if text:
        phrases["text"] = text
    phrases |= {f"less:{word}": word for word in parse.constraints.less}
    phrases |= {f"more:{word}": word for word in parse.constraints.more}
    if phrases:
        vectors |= dict(zip(phrases, embedder().encode(list(phrases.values())), strict=True))
    return vectors


def _candidates(movies, vectors: dict[str, np.ndarray], extra_ids: list[int] = ()) -> list[Movie]:
    """Movies passing the filters: the nearest to each similarity vector (titles, text) and those of
    `extra_ids` (what full-text search found, what the named titles' fans liked), else the most
    rated; each carries `closeness`, its cosine similarity to every vector (less/more phrases too)."""
    if not vectors:
        return _by_popularity(movies)
    targets = [name for name in ("titles", "text") if name in vectors]
    found: dict[int, None] = {}  # ids in the order found: ties in the blend keep it
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cursor.execute(f"SET LOCAL hnsw.ef_search = {EF_SEARCH}")
        for name in targets:
            # Ordered by the distance alone, on the embedding table, so Postgres can walk the HNSW index
            # (ordering joined movie rows, or by a second key, makes it sort every movie: 41 ms at 9,000
            # movies, growing with the catalogue). The filters reach the scan as a subquery.
            nearest = MovieEmbedding.objects.filter(movie__in=movies.values("pk"))
            nearest = nearest.order_by(CosineDistance("vector", vectors[name].tolist()))
            found |= dict.fromkeys(nearest.values_list("movie_id", flat=True)[:NEAREST])
        if not targets:  # only "less"/"more" phrases: they re-order the most rated
            rated = movies.filter(embedding__isnull=False).order_by("-rating_count", "pk")
            found |= dict.fromkeys(rated.values_list("pk", flat=True)[:NEAREST])
    found |= dict.fromkeys(extra_ids)
    aliases = {name: f"distance_{i}" for i, name in enumerate(vectors)}  # phrases are not SQL aliases
    annotated = movies.filter(pk__in=list(found), embedding__isnull=False).annotate(
        **{aliases[name]: CosineDistance("embedding__vector", vector.tolist()) for name, vector in vectors.items()}
    )
    by_id = {movie.pk: movie for movie in annotated}
    for movie in by_id.values():
        movie.closeness = {name: 1.0 - float(getattr(movie, alias)) for name, alias in aliases.items()}
    return [by_id[movie_id] for movie_id in found if movie_id in by_id]


def _by_popularity(movies) -> list[Movie]:
    return list(movies.order_by("-rating_count", "title")[:NEAREST])


def _named_co_likes(named: list[int]) -> tuple[dict[int, int], dict[int, float]]:
    """For the titles a request names: the first one's shared likers per movie (for reasons), and each
    movie's co-like score averaged over the titles (recommender/engine/similar.py)."""
    if not named:
        return {}, {}
    per_title = [co_likes(movie_id, limit=NEAREST) for movie_id in named]
    scores: dict[int, float] = {}
    for _, title_scores in per_title:
        for movie_id, score in title_scores.items():
            scores[movie_id] = scores.get(movie_id, 0.0) + score / len(named)
    return per_title[0][0], scores


def _blend(candidates: list[Movie], vectors: dict, rated: dict[int, float], co_like: dict[int, float]) -> np.ndarray:
    w = SCORE_WEIGHTS
    scores = np.zeros(len(candidates), dtype=np.float64)
    targets = [name for name in ("titles", "text") if name in vectors]
    for name in targets:
        similarity = np.asarray([_closeness(m, name) for m in candidates])
        if name == "titles" and co_like:  # "like Up" as "more like this" ranks Up's neighbours, same blend
            co = np.asarray([co_like.get(m.pk, 0.0) for m in candidates])
            similarity = (1 - CO_LIKE_WEIGHT) * similarity + CO_LIKE_WEIGHT * co
        scores += w["similarity"] / len(targets) * similarity
    counts = np.asarray([m.rating_count for m in candidates], dtype=np.float64)
    means = np.asarray([m.rating_mean or 3.0 for m in candidates], dtype=np.float64)
    scores += w["popularity"] * np.log1p(counts) / math.log1p(max(counts.max(), 1.0))
    scores += w["quality"] * ((means * counts + 3.5 * 10) / (counts + 10) - 0.5) / 4.5  # shrunk mean, 0..1
    return scores + _adjustments(candidates, vectors, rated)


def _adjustments(candidates: list[Movie], vectors: dict, rated: dict[int, float]) -> np.ndarray:
    """What moves a candidate beyond its match: "less X" / "more X" phrases, and the user's CF score."""
    w = SCORE_WEIGHTS
    scores = np.zeros(len(candidates), dtype=np.float64)
    for name in vectors:
        if name.startswith(("less:", "more:")):
            closeness = np.asarray([_closeness(m, name) for m in candidates])
            scores += (1 if name.startswith("more:") else -1) * w["less_more"] * closeness
    personal = _personal_percentiles(rated, [m.pk for m in candidates])
    if personal is not None:
        scores += w["personal"] * personal
    return scores


def _closeness(movie: Movie, name: str) -> float:
    """Cosine similarity to a request vector; 0 for a movie found without one (not embedded yet)."""
    return getattr(movie, "closeness", {}).get(name, 0.0)


def _personal_percentiles(rated: dict[int, float], movie_ids: list[int]) -> np.ndarray | None:
    """Each movie's CF score from these ratings (movie id -> stars) as a percentile among the
    candidates; None without ratings or a serving CF model."""
    served = serving_model(settings.FEED_MODEL_KIND) if rated else None
    if not served:
        return None
    model = served[1]
    all_scores = model.score_for_ratings(list(rated), list(rated.values()))
    position = {int(item): i for i, item in enumerate(model.item_ids)}
    raw = np.asarray([all_scores[position[m]] if m in position else -np.inf for m in movie_ids])
    ranks = raw.argsort().argsort()
    return ranks / max(len(raw) - 1, 1)


CREDITED = {"director": "Directed by", "writer": "Written by", "cast": "With"}


def _reasons(
    movies: list[Movie], parse: ParsedQuery, named: list[int], shared: dict[int, int] | None = None
) -> list[str]:
    """One true line per movie from its own rows: the person asked for, how many who liked the named
    title liked it too (`shared`), what it shares with that title (director, keywords, genres), the
    theme among its keywords; else its genres and year."""
    rows = Movie.objects.filter(pk__in=[movie.pk for movie in movies] + named)
    facts = {movie.pk: movie for movie in rows.prefetch_related("genres", "credits__person")}
    source = facts.get(named[0]) if named else None
    source_directors = {c.person.name for c in source.credits.all() if c.role == "director"} if source else set()
    shared = shared or {}
    return [" · ".join(_reason_parts(facts[movie.pk], parse, source, source_directors, shared.get(movie.pk, 0))[:2])
            for movie in movies]  # fmt: skip


def _reason_parts(
    movie: Movie, parse: ParsedQuery, source: Movie | None, source_directors: set[str], shared_likers: int = 0
) -> list[str]:
    genres = [genre.name for genre in movie.genres.all()]
    credits = {(credit.person.name, credit.role) for credit in movie.credits.all()}
    keywords = movie.keywords or []
    parts = []
    for person in parse.people:
        role = next((role for name, role in sorted(credits) if name == person.name), None)
        if role:
            parts.append(f"{CREDITED[role]} {person.name}")
    if source is not None and shared_likers >= MIN_SHARED_LIKERS:
        parts.append(f"{shared_likers} people who liked {source.title} liked this too")
    if source is not None:
        directors = sorted(name for name, role in credits if role == "director" and name in source_directors)
        shared_keywords = [word for word in source.keywords or [] if word in keywords and word not in NOT_THEMES]
        shared_genres = [genre.name for genre in source.genres.all() if genre.name in genres]
        if directors:
            parts.append(f"Like {source.title}: also directed by {directors[0]}")
        elif shared_keywords:
            parts.append(f"Like {source.title}: also about {and_join(shared_keywords[:2])}")
        elif shared_genres:
            parts.append(f"Like {source.title}: also {and_join(shared_genres[:3])}")
    # A theme is named only when it is one of the movie's keywords, or a whole word of one ("war" in
    # "cold war", never in "warrior"): the reason must be true of this movie.
    parts += [f"About {theme}" for theme in parse.themes
              if any(re.search(rf"\b{re.escape(theme)}\b", word) for word in keywords)]  # fmt: skip
    if not parts:
        shown = [genre for genre in genres if genre in parse.genres] or genres[:2]
        parts.append(", ".join([*shown, *([str(movie.year)] if movie.year else [])]) or "In the catalog")
    return parts


def _with_remakes(movies: list[Movie], parse: ParsedQuery) -> list[Movie]:
    """For a bare title, the movie meant first, then others of the same title (remakes, originals)."""
    if parse.ask not in (None, "lookup") or not movies:
        return movies
    titles = {movie.title for movie in movies}
    others = Movie.objects.filter(title__in=titles).exclude(pk__in=[m.pk for m in movies]).order_by("-rating_count")
    return movies + list(others[:5])
