from django.urls import path

from articles.web import crawlers, indexes, matches, views
from articles.web.syndication import ClubFeed, LatestFeed, PlayerFeed

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("feed/", LatestFeed(), name="feed"),
    path("robots.txt", crawlers.robots_txt, name="robots"),
    path("articles/<int:pk>/<slug:slug>/", views.article_detail, name="article"),
    path("clubs/", views.club_list, name="clubs"),
    path("clubs/<slug:slug>/", views.club_detail, name="club"),
    path("clubs/<slug:slug>/feed/", ClubFeed(), name="club-feed"),
    path("players/", indexes.player_index, name="players"),
    path("players/<slug:slug>/", views.player_detail, name="player"),
    path("players/<slug:slug>/feed/", PlayerFeed(), name="player-feed"),
    path("stories/", indexes.story_index, name="stories"),
    path("stories/<slug:slug>/", views.story_detail, name="story"),
]

# Fixtures, tables and matches (articles/web/matches.py).
urlpatterns += [
    path("competities/<str:code>/", matches.competition_detail, name="competition"),
    path("wedstrijden/<slug:slug>/", matches.match_detail, name="match"),
    path("clubs/<slug:slug>/wedstrijden.ics", matches.club_calendar, name="club-calendar"),
]
