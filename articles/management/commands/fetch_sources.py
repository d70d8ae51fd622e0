from django.core.management.base import BaseCommand, CommandError

from articles.ingest import feeds, landing
from articles.models import Source

# Pages are extracted in a process beside this one: two cores, both busy.
EXTRACT_PROCESSES = 1


class Command(BaseCommand):
    help = "Fetch sources now, in this process; prints counts per source and exits 1 if any source failed."

    def add_arguments(self, parser):
        parser.add_argument("--source", type=int, help="only this source id (even when inactive)")

    def handle(self, *args, source=None, **options):
        sources = Source.objects.filter(feed_url__isnull=False)
        sources = sources.filter(pk=source) if source else sources.filter(is_active=True)
        if source and not sources:
            raise CommandError(f"no source with id {source} and a feed URL")
        if not sources:
            self.stdout.write("no active sources with a feed URL: add one with `manage.py add_source URL`")
            return
        failed = 0
        with landing.in_bulk():  # one index run after all sources, then the related lists
            failed = self._fetch(sources)
        if failed:
            raise CommandError(f"{failed} source(s) failed")

    def _fetch(self, sources) -> int:
        failed = 0
        for src, report in feeds.fetch_and_ingest_all(sources, extract_processes=EXTRACT_PROCESSES):
            counts = ", ".join(f"{n} {k}" for k, n in report.counts.items())
            line = f"{src.pk} {src.name}: {counts}" + (f" ({report.error})" if report.error else "")
            if report.source_failed:
                failed += 1
                self.stderr.write(line)
            else:
                self.stdout.write(line)
        return failed
