"""A club's fixtures as an iCalendar feed (RFC 5545), which calendar apps subscribe to.

Each match is an event with a stable UID (its slug), so an app that refreshes the feed moves a
rescheduled match instead of adding it twice; times are UTC; a match whose time is not known
yet is an all-day event. Lines end in CRLF and are folded at 75 octets, text is escaped.
"""

from datetime import UTC, timedelta

from django.utils.translation import gettext as _

from articles.matches.schedule import round_label

DURATION = timedelta(hours=2)
PRODID = "-//newsdesk//wedstrijden//NL"


def escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (never inside a
    UTF-8 sequence)."""
    out, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        limit = 75 if not out else 74  # a continuation line starts with the space
        if len(current) + len(encoded) > limit:
            out.append(current)
            current = b""
        current += encoded
    out.append(current)
    return "\r\n ".join(part.decode("utf-8") for part in out)


def _utc(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _summary(match) -> str:
    if match.has_score:
        return f"{match.home.name} {match.home_goals}-{match.away_goals} {match.away.name}"
    return f"{match.home.name} – {match.away.name}"


def calendar(name: str, matches, url_of, local_date) -> str:
    """The feed of `matches` (with clubs and competition loaded); `url_of(match)` gives its
    absolute address, `local_date(match)` its day where it is played."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
        "X-WR-TIMEZONE:Europe/Brussels",
    ]
    for match in matches:
        url = url_of(match)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{match.slug}@newsdesk",
            f"DTSTAMP:{_utc(match.updated_at)}",
        ]
        if match.time_known:
            lines += [f"DTSTART:{_utc(match.kickoff)}", f"DTEND:{_utc(match.kickoff + DURATION)}"]
        else:
            day = local_date(match)
            lines += [
                f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
            ]
        description = f"{match.competition.name}, {round_label(match.round)}"
        if match.status == match.Status.POSTPONED:
            description = f"{description} ({_('uitgesteld')})"
        lines += [
            f"SUMMARY:{escape(_summary(match))}",
            f"DESCRIPTION:{escape(description)}",
            f"URL:{url}",
            f"STATUS:{'CANCELLED' if match.status == match.Status.POSTPONED else 'CONFIRMED'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
