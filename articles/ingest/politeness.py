"""Politeness toward the sites we read: per host a minimum interval between our requests, a
pause when the host asks for one (429, or 503 with Retry-After), and robots.txt for article
pages. http.py asks here before every request it makes; this module never makes one itself.

The state lives in Django's cache (Redis in production), so every thread, worker process and
machine that shares it keeps to the same limits. With the cache down each process keeps to them
on its own, from what it knows itself: never an error, only less coordination.

A "host" is the URL's host name, lower-cased, without the port: the interval and a pause are
about a site's servers, which answer on every port alike (and http.py's connection limit counts
the same way). robots.txt is per scheme, host and port, as RFC 9309 has it.

What a source met here is kept as a note per source (`note`), which the feed's next successful
fetch writes to the source's health (feeds.record_success) and the admin shows meanwhile.
"""

import logging
import math
import random
import re
import string
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

# A request waits at most this long in all for its turns (and a free connection: http.py); a
# turn further off is not waited for: the request is put off (http.HostPaused) rather than
# holding a worker's thread. Well under http.TOTAL_TIMEOUT, whose clock starts only after the
# wait: a request sent after a long wait still has all its time.
MAX_TURN_WAIT = 30.0
# A source whose request waited this many intervals for its turn is noted as slowed.
SLOWED_AFTER_TURNS = 5
# The shared turn is handed out under a lock in the cache, held for three cache calls. A holder
# that dies leaves it for LOCK_SECONDS; waiters give up on it sooner and keep to this process's
# own spacing.
LOCK_SECONDS = 5
LOCK_WAIT = 2.0
# robots.txt: RFC 9309 asks for a cached copy to be used at most a day; a copy is kept longer
# than that as a fallback for when the host cannot be reached (which the RFC allows).
ROBOTS_FRESH = 24 * 3600
ROBOTS_KEEP = 7 * 24 * 3600
# robots.txt unreachable (5xx, 429, no answer) with no copy in hand: the RFC says assume
# everything disallowed. Pages are put off (tried again later, as any unreachable page) and
# robots.txt is asked again after this long, not for every page: no longer than a task's retry
# countdown (tasks.MAX_COUNTDOWN), which waits for it (Refusal.seconds, robots_left).
ROBOTS_RETRY = 4 * 60
# robots.txt is read up to this (RFC 9309: at least 500 KiB parsed) and the rest ignored: a
# longer file is no reason to ignore the rules it starts with.
MAX_ROBOTS_BYTES = 512 * 1024
NOTES_KEEP = 2 * 24 * 3600


class Wait(Exception):
    """Not now: the host asked us to wait, or our requests queue too long for its turn."""

    def __init__(self, seconds: float, message: str, note: str):
        super().__init__(message)
        self.seconds = seconds
        self.note = note  # for the source's health, in Dutch


@dataclass
class Refusal:
    """robots.txt says no: for good (`temporary` False) or until it can be read."""

    message: str
    note: str  # for the source's health, in Dutch
    temporary: bool = False
    seconds: float = 0.0  # when temporary: until robots.txt is asked again


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def clock(epoch: float) -> str:
    """A moment as the site's time of day (its time zone), for notes that say until when."""
    return timezone.localtime(datetime.fromtimestamp(epoch, UTC)).strftime("%H:%M")


# --- the cache, and this process's memory for when it is down -------------------------------

_local: dict[str, tuple[float, object]] = {}
_local_lock = threading.Lock()
LOCAL_KEYS = 5000
_warned_at = 0.0


def forget_local() -> None:
    """Forget what this process kept while the cache was down (pauses, robots.txt copies, notes)
    and its own turns: the cache, once back, is the truth again. For tests that take it down."""
    with _local_lock:
        _local.clear()
    with _turns_lock:
        _next_turn.clear()


def _warn(exc: Exception) -> None:
    global _warned_at
    if time.monotonic() - _warned_at > 60:
        _warned_at = time.monotonic()
        logger.warning("politeness: the cache failed (%s); each process keeps to the limits alone", exc)


def _down() -> bool:
    return bool(getattr(cache, "is_down", False))  # newsdesk.cache.ForgivingRedisCache


def _get(key: str):
    """The cache's value; while the cache is down, what this process stored meanwhile."""
    try:
        value = cache.get(key)
        down = _down()
    except Exception as exc:  # a cache backend that raises: the work goes on without it
        _warn(exc)
        value, down = None, True
    if value is None and down:
        with _local_lock:
            expires, value = _local.get(key, (0.0, None))
        return value if expires > time.monotonic() else None
    return value


def _set(key: str, value, seconds: float) -> None:
    try:
        cache.set(key, value, math.ceil(seconds))
        down = _down()
    except Exception as exc:
        _warn(exc)
        down = True
    if down:  # only then: with the cache up, it alone is the truth (and may be cleared)
        with _local_lock:
            if len(_local) >= LOCAL_KEYS:
                _local.clear()
            _local[key] = (time.monotonic() + seconds, value)


# --- pauses: the host asked us to wait -------------------------------------------------------


def pause(url: str, seconds: int, status: int, asked: bool) -> dict:
    """The host answered `status` (429, 503) asking for `seconds` (`asked`: in a Retry-After
    header): nobody here asks it anything until then. A longer pause already recorded stays.
    Returns the pause that runs."""
    host = host_of(url)
    until = time.time() + seconds
    current = _get(f"polite:pause:{host}")
    if current and current["until"] >= until:
        return current
    record = {"until": until, "status": status, "seconds": seconds, "asked": asked}
    _set(f"polite:pause:{host}", record, seconds + 60)
    return record


def paused(url: str) -> dict | None:
    """The host's pause, if one runs: until (epoch seconds), status, seconds, asked."""
    record = _get(f"polite:pause:{host_of(url)}")
    if record and record["until"] > time.time():
        return record
    return None


def pause_left(url: str) -> int:
    record = paused(url)
    return math.ceil(record["until"] - time.time()) if record else 0


def pause_note(url: str, record: dict) -> str:
    header = f"Retry-After {record['seconds']} s" if record["asked"] else f"geen Retry-After, {record['seconds']} s"
    return f"Vertraagd tot {clock(record['until'])}: {host_of(url)} antwoordde {record['status']} ({header})"


# --- turns: the minimum interval between our requests to one host ----------------------------

_next_turn: dict[str, float] = {}  # host → this process's next free moment (monotonic clock)
_turns_lock = threading.Lock()


def take_turn(url: str, max_wait: float | None = None) -> float:
    """Wait for our turn at the url's host and return the seconds waited. A paused host, or one
    whose turn is more than `max_wait` off (MAX_TURN_WAIT by default; this process's queue and
    the shared one together), raises Wait instead: the caller puts it off."""
    host = host_of(url)
    _check_pause(url)
    interval = settings.NEWSDESK_HOST_INTERVAL
    if interval <= 0:
        return 0.0
    started = time.monotonic()
    give_up = started + (MAX_TURN_WAIT if max_wait is None else max(max_wait, 0.0))
    # This process's turn first: its threads queue here without asking the cache each time, and
    # with the cache down this is all the spacing there is.
    with _turns_lock:
        now = time.monotonic()
        turn = max(now, _next_turn.get(host, 0.0))
        if turn > give_up:
            raise _busy(host, turn - now)
        if len(_next_turn) >= LOCAL_KEYS:
            for key in [key for key, moment in _next_turn.items() if moment < now]:
                del _next_turn[key]
        _next_turn[host] = turn + interval
    time.sleep(max(turn - time.monotonic(), 0.0))
    # Then the turn shared with every process and machine that uses the cache, within what is
    # left of the wait.
    shared = _shared_turn(host, interval, give_up - time.monotonic())
    if shared is not None:
        time.sleep(max(shared - time.time(), 0.0))
    _check_pause(url)  # asked for meanwhile, by the answer to a request ahead of ours
    return time.monotonic() - started


def _check_pause(url: str) -> None:
    if record := paused(url):
        message = f"{host_of(url)} asked us to wait until {clock(record['until'])} (HTTP {record['status']})"
        raise Wait(record["until"] - time.time(), message, pause_note(url, record))


def _busy(host: str, seconds: float) -> Wait:
    return Wait(
        seconds,
        f"{host}: our next turn is {seconds:.0f} s off; put off",
        f"Uitgesteld: te veel verzoeken wachtten op een beurt bij {host}",
    )


def _shared_turn(host: str, interval: float, limit: float) -> float | None:
    """The moment (epoch seconds) of our turn among all who share the cache, at most `limit`
    seconds off (else Wait), or None when the cache cannot tell (down, or its lock held by
    someone who died)."""
    lock, key = f"polite:turn-lock:{host}", f"polite:turn:{host}"
    token = uuid.uuid4().hex
    try:
        give_up = time.monotonic() + min(LOCK_WAIT, max(limit, 0.05))
        # cache.add is atomic (SET NX in Redis): whoever adds the key holds the lock.
        while not cache.add(lock, token, LOCK_SECONDS):
            if time.monotonic() > give_up:
                return None
            time.sleep(random.uniform(0.002, 0.01))
        try:
            now = time.time()
            turn = max(now, float(cache.get(key) or 0.0))
            if turn - now > limit:
                raise _busy(host, turn - now)
            cache.set(key, turn + interval, math.ceil(turn + interval - now) + 60)
        finally:
            # Only our own lock: held past LOCK_SECONDS (a stalled process), it may be another's
            # by now. (Between the get and the delete it could still expire: a tiny race, which
            # costs one turn's spacing, never a request.)
            if cache.get(lock) == token:
                cache.delete(lock)
    except Wait:
        raise
    except Exception as exc:
        _warn(exc)
        return None
    return turn


def slowed_note(url: str, waited: float) -> str:
    """A note for the source's health when a request waited long for its turn, else ""."""
    interval = settings.NEWSDESK_HOST_INTERVAL
    if interval <= 0 or waited < SLOWED_AFTER_TURNS * interval:
        return ""
    return f"Vertraagd: {waited:.0f} s gewacht op een beurt bij {host_of(url)} (minstens {interval:g} s per verzoek)"


# --- robots.txt (article pages only) ----------------------------------------------------------

# Pages we fetch on our own, following a feed's links, are crawling: robots.txt governs them.
# The feeds themselves are not checked: the operator subscribed to each, and a feed is published
# to be polled by readers and aggregators (many sites disallow unknown robots everywhere yet
# offer their RSS to all). Neither are robots.txt files, nor fixture files the operator named.

_robots_locks = [threading.Lock() for _ in range(64)]  # one thread per origin fetches it


def product_token() -> str:
    """What robots.txt calls us: our User-Agent's product token ("newsdesk" of "newsdesk/0.1 …")."""
    return settings.NEWSDESK_USER_AGENT.split("/", 1)[0].strip().lower()


def robots_refusal(url: str, read: Callable[[str], tuple[int, bytes]]) -> Refusal | None:
    """None when robots.txt lets us fetch `url`, else why not. `read(robots_url)` fetches a
    robots.txt and gives (status, body), status 0 when the host could not be reached; it is
    called at most once per origin a day per process (the copy is shared through the cache)."""
    parts = urlsplit(url)
    where = _robots_origin(url)
    if where is None:  # no valid port: the request itself fails, as it would without robots.txt
        return None
    origin = f"{parts.scheme}://{where}"
    key = f"polite:robots:{origin}"
    record = _get(key)
    if not _fresh(record):
        with _robots_locks[hash(origin) % len(_robots_locks)]:
            record = _get(key)
            if not _fresh(record):
                robots_url = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/robots.txt"
                record = _read_robots(robots_url, read, record)
                _set(key, record, ROBOTS_KEEP)
    if record["rules"] is None:
        if record["state"] == "unreachable":
            return Refusal(
                f"robots.txt of {where} could not be read ({record['detail']}); pages put off",
                f"Artikelpagina's uitgesteld: robots.txt van {where} onleesbaar ({record['detail']})",
                temporary=True,
                seconds=max(record["checked"] + record["fresh"] - time.time(), 0.0),
            )
        return None
    target = _normalize(parts.path or "/") + (f"?{_normalize(parts.query)}" if parts.query else "")
    allowed, pattern = _verdict(record["rules"], target)
    if allowed:
        return None
    return Refusal(
        f"robots.txt of {where} disallows {target} for {product_token()} (rule {pattern!r})",
        f"Artikelpagina's niet opgehaald: robots.txt van {where} verbiedt ze (regel {pattern!r})",
    )


def _robots_origin(url: str) -> str | None:
    """host:port whose robots.txt governs `url` (with its scheme: RFC 9309's origin), or None."""
    try:
        port = urlsplit(url).port or (443 if urlsplit(url).scheme == "https" else 80)
    except ValueError:
        return None
    return f"{host_of(url)}:{port}"


def robots_left(url: str) -> int:
    """Seconds until the robots.txt that governs `url`, unreadable when last asked, is asked
    again (0: it was read, or is asked at the next page). A page put off for it is not tried
    before then: it would only be put off again."""
    where = _robots_origin(url)
    record = _get(f"polite:robots:{urlsplit(url).scheme}://{where}") if where else None
    if not _fresh(record) or record["state"] != "unreachable":
        return 0
    return math.ceil(record["checked"] + record["fresh"] - time.time()) + 1


def _fresh(record) -> bool:
    return bool(record) and record["checked"] + record["fresh"] > time.time()


def _read_robots(robots_url: str, read, previous) -> dict:
    """RFC 9309: 2xx is the file; 4xx (none to read) allows everything; 5xx, 429 or no answer
    disallows everything for now, or keeps using the last copy read when there is one."""
    status, body = read(robots_url)
    now = time.time()
    if 200 <= status < 300:
        if len(body) >= MAX_ROBOTS_BYTES:  # cut off: a rule's last line, cut short, would say more than it did
            body = body[: body.rfind(b"\n", 0, MAX_ROBOTS_BYTES) + 1]
        rules = parse_robots(body.decode("utf-8", "replace"), product_token())
        return {"checked": now, "fresh": ROBOTS_FRESH, "state": "read", "rules": rules, "detail": ""}
    if 400 <= status < 500 and status != 429:
        return {"checked": now, "fresh": ROBOTS_FRESH, "state": "none", "rules": None, "detail": f"HTTP {status}"}
    detail = f"HTTP {status}" if status else "serverfout of geen antwoord"
    if previous and previous["state"] != "unreachable":
        return {**previous, "checked": now, "fresh": ROBOTS_RETRY}
    return {"checked": now, "fresh": ROBOTS_RETRY, "state": "unreachable", "rules": None, "detail": detail}


def parse_robots(text: str, token: str) -> list[tuple[bool, str]]:
    """The (allow, pattern) rules of the groups for `token` (RFC 9309: the groups naming it,
    combined; else the "*" groups; else none: everything allowed). Other lines are ignored."""
    groups: list[tuple[list[str], list[tuple[bool, str]]]] = []
    collecting_agents = False
    for raw in text.lstrip("\ufeff").splitlines():
        line = raw.split("#", 1)[0]
        name, colon, value = line.partition(":")
        if not colon:
            continue
        name, value = name.strip().lower(), value.strip()
        if name == "user-agent":
            if not collecting_agents:
                groups.append(([], []))
                collecting_agents = True
            groups[-1][0].append(value.split("/", 1)[0].strip().lower())
        elif name in ("allow", "disallow") and groups:
            collecting_agents = False
            if value:  # an empty Disallow allows everything: no rule
                groups[-1][1].append((name == "allow", _normalize(value)))
    mine = [rules for agents, rules in groups if token in agents]
    if not mine:
        mine = [rules for agents, rules in groups if "*" in agents]
    return [rule for rules in mine for rule in rules]


_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


def _normalize(value: str) -> str:
    """Paths and rules compared alike, percent-encoded the same way (RFC 9309 2.2.2): an escaped
    unreserved character is unescaped (%41 is A), every other escape stays as it is, in capitals
    (%2F is no "/", %3F no "?": /a%2Fb is another path than /a/b), and what must be escaped is
    (non-ASCII as UTF-8, spaces)."""

    def unescape(match: re.Match) -> str:
        character = chr(int(match[1], 16))
        return character if character in _UNRESERVED else match[0].upper()

    return quote(_ESCAPE.sub(unescape, value), safe="/?&=:;@!$'()*+,~-._%")


def _verdict(rules: list[tuple[bool, str]], target: str) -> tuple[bool, str]:
    """The longest matching rule decides; between an allow and a disallow as long, allow."""
    best: tuple[int, bool, str] | None = None
    for allow, pattern in rules:
        if _matches(pattern, target) and (best is None or (len(pattern), allow) > best[:2]):
            best = (len(pattern), allow, pattern)
    return (True, "") if best is None else (best[1], best[2])


def _matches(pattern: str, target: str) -> bool:
    """`*` is any run of characters, a final `$` the end. Matched piece by piece, leftmost
    first (right for `*` alone), in linear time: no regular expression that a hostile file's
    stars could make backtrack."""
    anchored = pattern.endswith("$")
    pieces = (pattern[:-1] if anchored else pattern).split("*")
    if not target.startswith(pieces[0]):
        return False
    position, end = len(pieces[0]), len(target)
    if len(pieces) == 1:
        return not anchored or position == end
    middle = pieces[1:]
    if anchored:
        last = pieces[-1]
        if not target.endswith(last) or end - len(last) < position:
            return False
        end -= len(last)
        middle = pieces[1:-1]
    for piece in middle:
        found = target.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


# --- notes for the source's health ----------------------------------------------------------

_notes_lock = threading.Lock()


def note(source_id: int, kind: str, text: str) -> None:
    """Remember for the source's health that `text` happened (the latest of each kind, counted)."""
    key = f"polite:notes:{source_id}"
    with _notes_lock:  # the page threads of one process; between processes a count may be lost
        notes = _get(key) or {}
        previous = notes.get(kind) or {"count": 0}
        notes[kind] = {"at": time.time(), "text": text, "count": previous["count"] + 1}
        _set(key, notes, NOTES_KEEP)


def pending_notes(source_id: int) -> list[str]:
    notes = _get(f"polite:notes:{source_id}") or {}
    lines = []
    for entry in sorted(notes.values(), key=lambda entry: entry["at"]):
        moment = timezone.localtime(datetime.fromtimestamp(entry["at"], UTC)).strftime("%d-%m %H:%M")
        count = f" ({entry['count']}×)" if entry["count"] > 1 else ""
        lines.append(f"{moment} {entry['text']}{count}")
    return lines


def take_notes(source_id: int) -> list[str]:
    """The source's notes since they were last taken, and forget them."""
    lines = pending_notes(source_id)
    if lines:
        _set(f"polite:notes:{source_id}", {}, 60)
    return lines
