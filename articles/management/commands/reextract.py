import argparse
import os
import time
import uuid

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.ingest import landing, reextract
from articles.models import Source


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {value!r}")
    return number


class Command(BaseCommand):
    help = (
        "Re-extract a source's stored articles with its current rules (content selector, selectors "
        "to strip), newest first, in this process: each page fetched again and its text stored "
        "through the normal update path, so that index, links and story follow. Editors' decisions "
        "stay (links, hidden status, pinned story, an edited text); a page that cannot be read keeps "
        "its text. A host that asks us to wait is waited for (the command sleeps, then goes on). "
        "Prints progress and a summary; resumes a run a stopped worker left."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", type=int, required=True, help="the source's id")
        parser.add_argument("--limit", type=positive_int, help="only its N newest articles")

    def handle(self, *args, source, limit=None, **options):
        found = Source.objects.filter(pk=source).first()
        if found is None:
            raise CommandError(f"no source with id {source}")
        was = found.reextraction or {}
        if reextract.is_active(was) and reextract.is_resumable(was):
            self.stdout.write(f"resuming the run started at {was.get('started_at')}: {was.get('done', 0)} done")
        holder = f"command:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        with tqdm(unit="artikel", desc="reextract", file=self.stderr._out, disable=None) as bar:
            shown = {"tenth": 0}

            def report(counts: dict) -> None:
                bar.total = counts["total"]
                bar.update(counts["done"] - bar.n)
                tenth = counts["done"] * 10 // max(counts["total"], 1)
                if bar.disable and tenth > shown["tenth"]:  # no bar off a terminal: a line every 10 %
                    shown["tenth"] = tenth
                    self.stdout.write(f"{counts['done']}/{counts['total']}: {_tally(counts)}")

            with landing.in_bulk():  # links and stories as the batches land, the index once at the end
                progress = reextract.run(source, holder, limit=limit, on_progress=report)
                while progress is not None and progress["state"] == reextract.PAUSED:
                    seconds = reextract.wait_left(progress)
                    self.stderr.write(f"the site asked us to wait: going on in {seconds} s")
                    time.sleep(seconds)
                    progress = reextract.run(source, holder, limit=limit, on_progress=report)
        if progress is None:
            running = Source.objects.get(pk=source).reextraction
            raise CommandError(
                f"a re-extraction of source {source} is running ({running.get('done', 0)} of "
                f"{running.get('total', 0)} done); wait for it to finish"
            )
        counts = reextract.counts(progress)
        for error in progress.get("errors", []):
            self.stderr.write(f"failed: {error}")
        if progress.get("first_warning"):
            self.stderr.write(f"rules did not fit {progress['warnings']} pages; first: {progress['first_warning']}")
        self.stdout.write(f"reextract {found.pk} {found.name}: {counts['done']} articles, {_tally(counts)}")


def _tally(counts: dict) -> str:
    return (
        f"{counts['updated']} updated, {counts['unchanged']} unchanged, {counts['failed']} failed, "
        f"{counts['edited']} kept (edited by an editor), {counts['skipped']} skipped (feed text)"
    )
