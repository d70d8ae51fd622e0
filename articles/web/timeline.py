"""A story told as its reports arrived: who had it first, how long after that each later report
came, and which clubs and players each one brought that none before it mentioned."""

from dataclasses import dataclass, field
from datetime import timedelta

from articles.models import Article, Club, Player


@dataclass
class Entry:
    article: Article
    first: bool
    after: timedelta  # since the first report
    new_clubs: list[Club] = field(default_factory=list)
    new_players: list[Player] = field(default_factory=list)


def timeline(articles) -> list[Entry]:
    """The articles oldest first (with `linked_clubs` and `linked_players` prefetched, as
    selectors.linked_clubs() and linked_players() give them); the first report adds nothing
    "new", it is where the story starts."""
    entries: list[Entry] = []
    seen_clubs: set[int] = set()
    seen_players: set[int] = set()
    for article in sorted(articles, key=lambda article: (article.published_at, article.pk)):
        clubs = [link.club for link in getattr(article, "linked_clubs", [])]
        players = [link.player for link in getattr(article, "linked_players", [])]
        if not entries:
            entry = Entry(article=article, first=True, after=timedelta(0))
        else:
            entry = Entry(
                article=article,
                first=False,
                after=article.published_at - entries[0].article.published_at,
                new_clubs=[club for club in clubs if club.pk not in seen_clubs],
                new_players=[player for player in players if player.pk not in seen_players],
            )
        seen_clubs.update(club.pk for club in clubs)
        seen_players.update(player.pk for player in players)
        entries.append(entry)
    return entries
