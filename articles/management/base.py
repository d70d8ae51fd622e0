"""What several management commands share: a file argument that must name a file, and a range
of publication dates walked with a progress bar."""

import argparse
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


class FileCommand(BaseCommand):
    """A command that reads the one file named on its command line: `handle_file` gets its path
    once it is known to be a file."""

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        return self.handle_file(path, **options)

    def handle_file(self, path: Path, **options):
        raise NotImplementedError


class DateRangeCommand(BaseCommand):
    """A command over the articles published from --since up to and including --until (either
    may be left out), with a progress bar on stderr (shown on a terminal only)."""

    since_help = "from this publication date (YYYY-MM-DD)"
    until_help = "up to and including this date (YYYY-MM-DD)"

    def add_arguments(self, parser):
        parser.add_argument("--since", type=iso_date, help=self.since_help)
        parser.add_argument("--until", type=iso_date, help=self.until_help)

    def progress(self, total: int, desc: str):
        return tqdm(total=total, unit="artikel", desc=desc, file=self.stderr._out, disable=None)
