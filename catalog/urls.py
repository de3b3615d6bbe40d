from django.urls import path

from catalog import api, views

site_urlpatterns = [
    path("", views.home, name="home"),
    path("movies/", views.browse, name="browse"),
    path("movies/<int:movie_id>/rate/", views.rate, name="rate"),
    path("movies/<int:movie_id>/poster/", views.poster, name="poster"),
    path("people/<int:person_id>/", views.person_page, name="person"),
    path("movies/<int:movie_id>/watchlist/", views.watchlist_toggle, name="watchlist_toggle"),
    path("me/watchlist/", views.watchlist, name="watchlist"),
    path("me/hidden/", views.hidden, name="hidden"),
    path("me/ratings/", views.my_ratings, name="my_ratings"),
    path("accounts/signup/", views.signup, name="signup"),
    path("me/preferences/", views.preferences_save, name="preferences_save"),
    path("me/preferences/suggest/", views.preference_suggest, name="preference_suggest"),
    path("movies/<int:movie_id>/not-interested/", views.not_interested, name="not_interested"),
]

api_urlpatterns = [
    path("movies/", api.MovieListApi.as_view(), name="api-movies"),
    path("movies/<int:pk>/", api.MovieDetailApi.as_view(), name="api-movie"),
    path("me/ratings/", api.MyRatingsApi.as_view(), name="api-my-ratings"),
    path("me/ratings/<int:movie_id>/", api.MyRatingDetailApi.as_view(), name="api-my-rating"),
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
    path("me/preferences/", api.MyPreferencesApi.as_view(), name="api-my-preferences"),
    path("me/preferences/history/", api.MyPreferenceHistoryApi.as_view(), name="api-my-preference-history"),
    path("me/preferences/generate/", api.MyPreferenceGenerateApi.as_view(), name="api-my-preference-generate"),
    path(
        "me/preferences/suggestions/<int:suggestion_id>/",
        api.MyPreferenceSuggestionApi.as_view(),
        name="api-my-preference-suggestion",
    ),
    path(
        "me/preferences/suggestions/<int:suggestion_id>/accept/",
        api.MyPreferenceSuggestionAcceptApi.as_view(),
        name="api-my-preference-suggestion-accept",
    ),
    path("me/not-interested/", api.MyNotInterestedApi.as_view(), name="api-my-not-interested"),
    path("me/not-interested/<int:movie_id>/", api.MyNotInterestedDetailApi.as_view(), name="api-my-not-interested-one"),
]
