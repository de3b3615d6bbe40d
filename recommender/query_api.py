"""POST /api/v1/query/parse/: what a search request asks for, as the JSON contract in
recommender/engine/query/schema.py, plus which parser answered."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from recommender.engine.query.schema import ASKS, INTENTS, MAX_QUERY_CHARS, QueryError
from recommender.services.query_parser import query_parse

_STRINGS = serializers.ListField(child=serializers.CharField())
PARSE_FIELDS = {
    "intent": serializers.ChoiceField(choices=list(INTENTS)),
    "ask": serializers.ChoiceField(
        choices=list(ASKS), allow_null=True,
        help_text="what the request asks besides recommendations: lookup (a movie itself), a fact about a named "
        "movie (director, cast, writer, year, runtime, plot, genre), my_rating, filmography, person, site (account "
        "and site help), chat or other; null for a plain recommendation request",
    ),
    "titles": inline_serializer("ParsedTitle", {"id": serializers.IntegerField(), "title": serializers.CharField(),
                                                "year": serializers.IntegerField(allow_null=True)}, many=True),
    "people": inline_serializer("ParsedPerson", {"name": serializers.CharField(),
                                                 "role": serializers.CharField(allow_null=True)}, many=True),
    "genres": _STRINGS, "themes": _STRINGS,
    "decades": serializers.ListField(child=serializers.IntegerField()),
    "plot": serializers.CharField(allow_null=True),
    "constraints": inline_serializer("ParsedConstraints", {"exclude_genres": _STRINGS, "less": _STRINGS,
                                                           "more": _STRINGS}),
}  # fmt: skip
PARSE = inline_serializer("Parse", PARSE_FIELDS)
PARSED = inline_serializer("ParsedQuery", {**PARSE_FIELDS, "parser": serializers.CharField()})


class QueryParseApi(APIView):
    """Parse a free-text request: rec or non_rec, and the movies, people, genres, themes, decades,
    plot and constraints it names (titles resolved to catalog movies). Open to anyone (it reads
    nothing personal), throttled per client (QUERY_THROTTLE_RATE)."""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "query"

    @extend_schema(
        request=inline_serializer("QueryParseRequest", {"q": serializers.CharField(max_length=MAX_QUERY_CHARS)}),
        responses={200: PARSED},
        examples=[OpenApiExample("like a title", value={"q": "something like Alien but less gory"}, request_only=True)],
    )
    def post(self, request):
        if not hasattr(request.data, "get"):
            return Response({"q": ['send a JSON object such as {"q": "funny movies from the 80s"}']}, status=400)
        try:
            parse, parser = query_parse(request.data.get("q"))
        except QueryError as exc:
            return Response({"q": [str(exc)]}, status=400)
        return Response({**parse.to_dict(), "parser": parser})
