from django.urls import path

from recommender import api, query_api, views

site_urlpatterns = [
    path("movies/<int:movie_id>/", views.movie_page, name="movie"),
    path("for-you/", views.for_you, name="for_you"),
    path("for-you/start/", views.onboarding, name="onboarding"),
    path("for-you/start/skip/<int:movie_id>/", views.onboarding_skip, name="onboarding_skip"),
    path("search/", views.search, name="search"),
]

api_urlpatterns = [
    path("me/feed/", api.MyFeedApi.as_view(), name="api-my-feed"),
    path("movies/<int:pk>/similar/", api.SimilarMoviesApi.as_view(), name="api-movie-similar"),
    path("movies/<int:pk>/prediction/", api.PredictionApi.as_view(), name="api-movie-prediction"),
    path("search/", api.SearchApi.as_view(), name="api-search"),
    path("query/parse/", query_api.QueryParseApi.as_view(), name="api-query-parse"),
]
