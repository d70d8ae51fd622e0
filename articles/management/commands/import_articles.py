from django.core.management.base import CommandError

from articles.ingest import landing
from articles.ingest.importing import import_lines
from articles.management.base import FileCommand


class Command(FileCommand):
    help = "Import articles from a JSON Lines file: one object a line with url, title, body, published, source."

    def handle_file(self, path, **options):
        with path.open(encoding="utf-8", errors="replace") as lines, landing.in_bulk():
            report = import_lines(lines)
        summary = ", ".join(f"{count} {name}" for name, count in report.counts.items())
        self.stdout.write(f"articles: {summary}, {len(report.errors)} failed")
        for error in report.errors:
            self.stderr.write(error)
        if report.errors:
            raise CommandError(f"{len(report.errors)} line(s) could not be imported; the others were kept")
