"""What we know about each movie as text: the facts that ground generated sentences (`movie_facts`)
and the document that gets embedded (`movie_texts`, built on the same read). Reads only."""

from __future__ import annotations

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q

from catalog.models import Movie
from recommender.engine.llm.prompts import MovieFacts
from recommender.engine.text.documents import MovieText

TOP_CAST = 4


def movie_facts(*, movie_ids: list[int] | None = None) -> dict[int, MovieFacts]:
    """Everything we know about each movie, in one query: the ground for generated text."""
    movies = Movie.objects.all() if movie_ids is None else Movie.objects.filter(id__in=movie_ids)
    rows = movies.annotate(
        genre_names=ArrayAgg("genres__name", distinct=True, filter=Q(genres__isnull=False), default=[]),
        director_names=ArrayAgg(
            "credits__person__name", filter=Q(credits__role="director"), order_by="credits__order", default=[]
        ),
        cast_names=ArrayAgg(
            "credits__person__name", filter=Q(credits__role="cast"), order_by="credits__order", default=[]
        ),
    ).values_list(
        "id", "title", "year", "overview", "tagline", "keywords", "genre_names", "director_names", "cast_names",
        "languages", "countries", "awards",
    )  # fmt: skip
    return {
        movie_id: MovieFacts(
            title=title,
            year=year,
            genres=sorted(genres),
            overview=overview or "",
            tagline=tagline or "",
            keywords=list(keywords or []),
            directors=list(dict.fromkeys(directors)),
            cast=list(dict.fromkeys(cast))[:TOP_CAST],
            languages=list(languages or []),
            countries=list(countries or []),
            awards=awards or "",
        )  # fmt: skip
        for (
            movie_id,
            title,
            year,
            overview,
            tagline,
            keywords,
            genres,
            directors,
            cast,
            languages,
            countries,
            awards,
        ) in rows  # fmt: skip
    }


def movie_texts(*, movie_ids: list[int] | None = None) -> dict[int, MovieText]:
    """What gets embedded: each movie's facts (movie_facts, the one catalog read), with
    its grounded enriched description standing in where it has no overview."""
    facts = movie_facts(movie_ids=movie_ids)
    movies = Movie.objects.all() if movie_ids is None else Movie.objects.filter(id__in=movie_ids)
    enriched = dict(movies.filter(enriched_description__isnull=False).values_list("id", "enriched_description__text"))
    # Directors sorted, not in billing order: the embedded documents (and their hashes) stay as they were.
    return {
        movie_id: MovieText(
            title=f.title,
            year=f.year,
            genres=f.genres,
            description=f.overview or enriched.get(movie_id) or "",
            tagline=f.tagline,
            keywords=f.keywords,
            directors=sorted(f.directors),
            languages=f.languages,
            countries=f.countries,
            awards=f.awards,
        )
        for movie_id, f in facts.items()
    }
