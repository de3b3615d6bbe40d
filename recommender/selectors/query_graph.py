"""The catalog as the query parser's knowledge graph (recommender/engine/query/graph.py), read in
a few queries. Cached per process: rebuilt when movies were added or removed (count and highest id
change), and at least every CACHE_SECONDS so renames show up."""

from __future__ import annotations

import time
from collections import defaultdict

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Max

from catalog.models import Credit, Movie
from recommender.engine.query.gazetteer import Gazetteer
from recommender.engine.query.graph import CatalogGraph, GraphMovie

CACHE_SECONDS = 600
_cached: dict[str, tuple[float, tuple, object]] = {}


def catalog_graph() -> CatalogGraph:
    credits: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = Credit.objects.order_by("movie_id", "role", "order").values_list("movie_id", "role", "person__name")
    for movie_id, role, name in rows.iterator(chunk_size=20000):
        credits[movie_id][role].append(name)
    movies = {}
    queryset = Movie.objects.annotate(genre_names=ArrayAgg("genres__name", distinct=True, default=[]))
    for movie in queryset.values("id", "title", "year", "keywords", "runtime", "rating_count", "genre_names"):
        people = credits.get(movie["id"], {})
        movies[movie["id"]] = GraphMovie(
            id=movie["id"], title=movie["title"], year=movie["year"],
            genres=tuple(sorted(name for name in movie["genre_names"] if name)),
            keywords=tuple(movie["keywords"] or ()), runtime=movie["runtime"],
            directors=tuple(people.get("director", ())), cast=tuple(people.get("cast", ())),
            writers=tuple(people.get("writer", ())), rating_count=movie["rating_count"],
        )  # fmt: skip
    return CatalogGraph(movies)


def catalog_gazetteer() -> tuple[CatalogGraph, Gazetteer]:
    """The graph and its gazetteer, built once per process and again after CACHE_SECONDS if the catalog grew."""
    now = time.monotonic()
    stamp = tuple(Movie.objects.aggregate(count=Count("id"), last=Max("id")).values())
    cached = _cached.get("gazetteer")
    if cached is None or cached[1] != stamp or now - cached[0] > CACHE_SECONDS:
        graph = catalog_graph()
        cached = (now, stamp, (graph, Gazetteer.for_graph(graph)))
        _cached["gazetteer"] = cached
    return cached[2]
