from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic.base import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from catalog.urls import api_urlpatterns, site_urlpatterns
from recommender.urls import api_urlpatterns as recommender_api
from recommender.urls import site_urlpatterns as recommender_site

api_v1 = [
    *api_urlpatterns,
    *recommender_api,
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

# An API client gets JSON even from a server error; people get the site's page.
handler400 = "recsite.hygiene.bad_request_handler"
handler404 = "recsite.hygiene.not_found"
handler500 = "recsite.hygiene.server_error"

urlpatterns = [
    # Browsers and crawlers ask for /favicon.ico whatever the page's <link rel="icon"> says.
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
    path("", include(site_urlpatterns)),
    path("", include(recommender_site)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
]
