"""Pages of the fixtures data: a competition (table, last and next round), a match (its
clubs, time, score and every article and story about it) and a club's fixtures as iCalendar.
Thin: articles.matches reads and computes, templates show."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from articles.matches import calendar, schedule, standings
from articles.models import Club, Competition
from articles.web import sidebars


def competition_detail(request, code):
    """The current season (the latest that has the competition): its table and its last and
    next round, relative to now."""
    competition = get_object_or_404(Competition, code=code)
    season = schedule.current_season(competition)
    if season is None:
        raise Http404("no matches for this competition")
    matches = schedule.season_lines(schedule.matches_with_clubs().filter(competition=competition, season=season))
    rounds = schedule.rounds(matches)
    last_round, next_round = schedule.last_and_next(rounds, timezone.now())
    context = {
        "competition": competition,
        "season": season,
        "table": standings.compute(matches),
        "last_round": last_round,
        "next_round": next_round,
    }
    return render(request, "matches/competition.html", context)


def match_detail(request, slug):
    match = get_object_or_404(schedule.matches_with_clubs(), slug=slug)
    previews, reports, stories = schedule.coverage(match)
    context = {
        "match": match,
        "round_label": schedule.round_label(match.round),
        "previews": previews,
        "reports": reports,
        "stories": stories,
        "started": match.kickoff <= timezone.now(),
        "latest": sidebars.latest(exclude=[a.pk for a in [*previews, *reports]]),
    }
    return render(request, "matches/match.html", context)


def club_calendar(request, slug):
    """The club's fixtures of the current seasons as an iCalendar feed."""
    club = get_object_or_404(Club, slug=slug)
    matches = schedule.club_matches(club)
    body = calendar.calendar(
        f"{club.name} · newsdesk",
        matches,
        url_of=lambda match: request.build_absolute_uri(match.get_absolute_url()),
        local_date=lambda match: timezone.localtime(match.kickoff).date(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{club.slug}-wedstrijden.ics"'
    return response
