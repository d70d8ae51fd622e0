"""When an article was published, as a Flemish news site says it: "net nu", "5 minuten geleden",
"3 uur geleden", "gisteren om 14:05", "12 november" (with the year only when not this year).

Always in the site's time zone (settings.TIME_ZONE, Europe/Brussels), whatever the reader's.
Pages are cached for a minute or more, so the text a page was rendered with ages: the `<time>`
element carries the exact moment (`datetime`, ISO 8601) and static/js/relative-time.js, which
follows the same rules, writes the text again every minute. Without JavaScript this text stands.
"""

from datetime import UTC, datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()

# Spelled out here rather than taken from the active translation: the script says the same.
MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
WEEKDAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]


SHORT_WEEKDAYS = ["ma", "di", "wo", "do", "vr", "za", "zo"]
SHORT_MONTHS = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def relative_time(value: datetime, now: datetime | None = None) -> str:
    """How long ago `value` was, in words, seen from `now` (default: this moment)."""
    now = now or timezone.now()
    # In UTC: within one zone Python subtracts wall-clock times, an hour off across a change of
    # summer time.
    seconds = (now.astimezone(UTC) - value.astimezone(UTC)).total_seconds()
    now, then = _local(now), _local(value)
    if seconds < 60:  # a clock a little ahead of ours says "now" too, never "in 2 minutes"
        return _("net nu")
    minutes = int(seconds // 60)
    if minutes < 60:
        return ngettext("%(count)d minuut geleden", "%(count)d minuten geleden", minutes) % {"count": minutes}
    days = (now.date() - then.date()).days
    if days == 0:
        hours = minutes // 60
        return ngettext("%(count)d uur geleden", "%(count)d uur geleden", hours) % {"count": hours}
    if days == 1:
        return _("gisteren om %(time)s") % {"time": then.strftime("%H:%M")}
    return dutch_date(then, with_year=then.year != now.year)


def dutch_date(value: datetime, with_year: bool = True) -> str:
    """12 november 2025 (or 12 november)."""
    value = _local(value)
    day = f"{value.day} {MONTHS[value.month - 1]}"
    return f"{day} {value.year}" if with_year else day


def exact_time(value: datetime) -> str:
    """woensdag 12 november 2025 om 14:05: what the title of a <time> element says."""
    value = _local(value)
    return _("%(weekday)s %(date)s om %(time)s") % {
        "weekday": WEEKDAYS[value.weekday()],
        "date": dutch_date(value),
        "time": value.strftime("%H:%M"),
    }


@register.simple_tag
def published_time(value, now=None):
    """`<time datetime="…" title="exact Dutch date and time" data-relative>5 minuten geleden</time>`."""
    if not isinstance(value, datetime):
        return ""
    local = _local(value)
    return format_html(
        '<time datetime="{}" title="{}" data-relative>{}</time>',
        local.isoformat(timespec="seconds"),
        exact_time(local),
        relative_time(local, now),
    )


def revised_text(value: datetime, now: datetime | None = None) -> str:
    """When an article was revised: "Bijgewerkt om 14:05" today, else "Bijgewerkt op 12 november
    om 14:05" (with the year when not this year)."""
    now, then = _local(now or timezone.now()), _local(value)
    if then.date() == now.date():
        return _("Bijgewerkt om %(time)s") % {"time": then.strftime("%H:%M")}
    return _("Bijgewerkt op %(date)s om %(time)s") % {
        "date": dutch_date(then, with_year=then.year != now.year),
        "time": then.strftime("%H:%M"),
    }


@register.simple_tag
def revised_time(value, now=None):
    """`<time datetime="…" title="exact Dutch date and time">Bijgewerkt om 14:05</time>`, or
    nothing for an article never revised. A clock time, not a relative one: the script leaves it."""
    if not isinstance(value, datetime):
        return ""
    local = _local(value)
    return format_html(
        '<time class="revised" datetime="{}" title="{}">{}</time>',
        local.isoformat(timespec="seconds"),
        exact_time(local),
        revised_text(local, now),
    )


def delay(value: timedelta) -> str:
    """How long after the first report: "+45 min", "+2 u 15 min", "+1 d 3 u"."""
    minutes = max(int(value.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"+{days} d {hours} u" if hours else f"+{days} d"
    if hours:
        return f"+{hours} u {minutes} min" if minutes else f"+{hours} u"
    return f"+{minutes} min"


@register.filter(name="delay")
def delay_filter(value):
    return delay(value) if isinstance(value, timedelta) else ""


@register.filter
def short_day(value, parts: str = "") -> str:
    """A match day as fixture lists write it: "2 nov", "zo 2 nov" (`parts` "weekday"), "zo 2 nov,
    12:30" ("weekday,time"); the year only when it is not this year ("zo 2 nov 2025"). Dutch
    writes months and weekdays in lower case: Django's "D j M" gave "zo 2 Nov" (and "Mrt")."""
    wanted = set(parts.split(","))
    moment = _local(value) if isinstance(value, datetime) else None
    day = moment.date() if moment else value
    text = f"{day.day} {SHORT_MONTHS[day.month - 1]}"
    if "weekday" in wanted:
        text = f"{SHORT_WEEKDAYS[day.weekday()]} {text}"
    if day.year != timezone.localdate().year:
        text += f" {day.year}"
    if "time" in wanted and moment:
        text += f", {moment.strftime('%H:%M')}"
    return text
