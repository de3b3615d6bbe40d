from django.urls import path

from catalog import api, views

site_urlpatterns = [
    path("", views.home, name="home"),
    path("movies/", views.browse, name="browse"),
    path("movies/<int:movie_id>/", views.movie_page, name="movie"),
    path("movies/<int:movie_id>/rate/", views.rate, name="rate"),
    path("me/ratings/", views.my_ratings, name="my_ratings"),
    path("accounts/signup/", views.signup, name="signup"),
]

api_urlpatterns = [
    path("movies/", api.MovieListApi.as_view(), name="api-movies"),
    path("movies/<int:pk>/", api.MovieDetailApi.as_view(), name="api-movie"),
    path("me/ratings/", api.MyRatingsApi.as_view(), name="api-my-ratings"),
    path("me/ratings/<int:movie_id>/", api.MyRatingDetailApi.as_view(), name="api-my-rating"),
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
]
