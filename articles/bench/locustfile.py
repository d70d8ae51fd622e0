"""Load test of the site as readers meet it, for `make bench-load` (manage.py bench_load).

Run by locust itself, never imported by the project: it reads the URLs that bench_load sampled
from the archive (a JSON file named by BENCH_LOAD_URLS: {"home": [...], "club": [...], ...}),
and each simulated reader asks for one page after another without pause, of a type drawn by
the weights below, each URL drawn from that type's list (which holds popular pages many times).
Every request carries what the reverse proxy adds: the Host the site answers to
(BENCH_LOAD_HOST) and X-Forwarded-Proto: https.

The first BENCH_LOAD_WARMUP seconds warm the site up, as a site that has been serving readers
for a while is (its page cache holds what they asked for lately); they are counted apart. At the
end it writes exact figures per page type (locust's own CSV rounds response times) to
BENCH_LOAD_RESULT, for the measured time and for the warm-up: requests, failures, 5xx, page-cache
hits and p50 / p95 / p99 in ms.
"""

import json
import os
import random
import time

from locust import FastHttpUser, events, task

URLS = json.loads(open(os.environ["BENCH_LOAD_URLS"], encoding="utf-8").read())  # noqa: SIM115
HEADERS = {"Host": os.environ.get("BENCH_LOAD_HOST", "nieuws.example.be"), "X-Forwarded-Proto": "https"}
RESULT = os.environ.get("BENCH_LOAD_RESULT")
WARMUP = float(os.environ.get("BENCH_LOAD_WARMUP", "0"))
STARTED = time.time()


class Phase:
    """What one phase (the warm-up, the measured time) saw: times and counts per page type."""

    def __init__(self):
        self.times: dict[str, list[float]] = {}
        self.counts: dict[str, dict[str, int]] = {}
        self.start = self.end = None


_phases = {"warmup": Phase(), "measured": Phase()}


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    now = time.time()
    phase = _phases["measured" if now - STARTED >= WARMUP else "warmup"]
    phase.start = phase.start or now - response_time / 1000
    phase.end = now
    phase.times.setdefault(name, []).append(response_time)
    counts = phase.counts.setdefault(name, {"failures": 0, "5xx": 0, "cache_hits": 0})
    status = getattr(response, "status_code", 0) or 0
    if exception is not None or status >= 400 or status == 0:
        counts["failures"] += 1
    if status >= 500:
        counts["5xx"] += 1
    headers = getattr(response, "headers", None) or {}
    if headers.get("X-Page-Cache") == "hit":
        counts["cache_hits"] += 1


def _percentile(ordered: list[float], share: float) -> float:
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def _figures(times: list[float], counts: dict, seconds: float) -> dict:
    ordered = sorted(times)
    return {
        "requests": len(ordered),
        "rps": round(len(ordered) / seconds, 1),
        "p50_ms": _percentile(ordered, 0.50),
        "p95_ms": _percentile(ordered, 0.95),
        "p99_ms": _percentile(ordered, 0.99),
        "max_ms": round(ordered[-1], 1),
        **counts,
    }


def _summary(phase: Phase) -> dict:
    seconds = max(phase.end - phase.start, 0.001)
    pages = {name: _figures(times, phase.counts[name], seconds) for name, times in sorted(phase.times.items())}
    total = {key: sum(counts[key] for counts in phase.counts.values()) for key in ("failures", "5xx", "cache_hits")}
    overall = _figures([t for times in phase.times.values() for t in times], total, seconds)
    return {"seconds": round(seconds, 1), "pages": pages, "overall": overall}


@events.quitting.add_listener
def _write(environment, **kwargs):
    if not RESULT or not _phases["measured"].times:
        return
    figures = _summary(_phases["measured"])
    if _phases["warmup"].times:
        figures["warmup"] = _summary(_phases["warmup"])
    with open(RESULT, "w", encoding="utf-8") as out:
        json.dump(figures, out, indent=2)


class Reader(FastHttpUser):
    """One of the bench's clients: no think time, a page as soon as the last one arrived."""

    def _get(self, kind: str):
        self.client.get(random.choice(URLS[kind]), name=kind, headers=HEADERS)

    @task(10)
    def home(self):
        self._get("home")

    @task(15)
    def club(self):
        self._get("club")

    @task(35)
    def article(self):
        self._get("article")

    @task(10)
    def story(self):
        self._get("story")

    @task(15)
    def search(self):
        self._get("search")

    @task(15)
    def api(self):
        self._get("api")
