from django.core.management.base import CommandError

from articles.ingest import landing
from articles.ingest.importing import import_lines
from articles.management.base import FileCommand

MAX_WARNINGS = 20  # rule warnings printed; a slow rule warns once per line it ran out of time on


class Command(FileCommand):
    help = "Import articles from a JSON Lines file: one object a line with url, title, body, published, source."

    def handle_file(self, path, **options):
        with path.open(encoding="utf-8", errors="replace") as lines, landing.in_bulk():
            report = import_lines(lines)
        summary = ", ".join(f"{count} {name}" for name, count in report.counts.items())
        self.stdout.write(f"articles: {summary}, {len(report.errors)} failed")
        if report.counts["kept_out"]:
            self.stdout.write(
                f"{report.counts['kept_out']} kept out by the keep and block rules: "
                "admin → Tegengehouden artikels, where editors can let them through"
            )
        # A rule that cannot be used is left out, never fatal: the import goes on, exit 0.
        for warning in report.warnings[:MAX_WARNINGS]:
            self.stderr.write(f"rules: {warning}")
        if len(report.warnings) > MAX_WARNINGS:
            self.stderr.write(f"rules: and {len(report.warnings) - MAX_WARNINGS} more warnings (in the log)")
        for error in report.errors:
            self.stderr.write(error)
        if report.errors:
            raise CommandError(f"{len(report.errors)} line(s) could not be imported; the others were kept")
