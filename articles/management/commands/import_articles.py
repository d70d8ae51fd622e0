from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.ingest import landing
from articles.ingest.importing import import_lines


class Command(BaseCommand):
    help = "Import articles from a JSON Lines file: one object a line with url, title, body, published, source."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        with path.open(encoding="utf-8", errors="replace") as lines, landing.in_bulk():
            report = import_lines(lines)
        summary = ", ".join(f"{count} {name}" for name, count in report.counts.items())
        self.stdout.write(f"articles: {summary}, {len(report.errors)} failed")
        for error in report.errors:
            self.stderr.write(error)
        if report.errors:
            raise CommandError(f"{len(report.errors)} line(s) could not be imported; the others were kept")
