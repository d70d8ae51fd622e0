"""Naming a feed when it is registered (add_source, the OPML import): source names are unique,
and a feed reader names a feed after its own title, not after the site it is on."""

from urllib.parse import urlsplit

from articles.ingest import feeds, http
from articles.models import Source


def free_name(name: str, host: str) -> str:
    """`name`, or with the feed's host, or numbered: source names are unique."""
    limit = Source._meta.get_field("name").max_length
    candidates = [name, f"{name} ({host})", *(f"{name} ({host}) {n}" for n in range(2, 100))]
    taken = set(Source.objects.filter(name__in=[c[:limit] for c in candidates]).values_list("name", flat=True))
    return next(c[:limit] for c in candidates if c[:limit] not in taken)


def feed_title(url: str) -> tuple[str, str]:
    """(the feed's title, "") or ("", why it could not be read): the feed is fetched once,
    through the same guarded client as every fetch."""
    try:
        response = http.fetch(url)
        return feeds.parse_feed(response.body, response.headers, response.url).title, ""
    except (http.FetchError, feeds.FeedUnreadable) as exc:
        return "", f"{type(exc).__name__}: {exc}"


def name_for(url: str) -> tuple[str, str]:
    """A free name for a new feed at `url`: its title, else its host; and why the title was not
    read ("" when it was)."""
    host = urlsplit(url).hostname or url
    title, problem = feed_title(url)
    return free_name(title or host, host), problem
