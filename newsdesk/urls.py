from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from articles.api import views as api
from articles.web.sitemaps import SITEMAPS
from newsdesk import health
from search.api import SearchAPIView

router = DefaultRouter()
router.register("articles", api.ArticleViewSet, basename="article")
router.register("clubs", api.ClubViewSet, basename="club")
router.register("players", api.PlayerViewSet, basename="player")
router.register("stories", api.StoryViewSet, basename="story")
router.register("matches", api.MatchViewSet, basename="match")

admin.site.site_header = "newsdesk redactie"
admin.site.site_title = "newsdesk"


def favicon(request):
    """/favicon.ico, which browsers ask for on pages that name no icon (the admin's): the site's
    icon. Not permanent: its static address changes with its content in production."""
    return redirect(static("img/favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/search/", SearchAPIView.as_view(), name="api-search"),
    path("api/standings/", api.StandingsView.as_view(), name="api-standings"),
    path("search/", include("search.urls")),
    path("api/", include(router.urls)),
    path("healthz", health.healthz, name="healthz"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap-index"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("", include("articles.urls")),
]


handler500 = "newsdesk.errors.server_error"
