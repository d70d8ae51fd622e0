from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.matches import fixtures


class Command(BaseCommand):
    help = (
        "Import openfootball football.json files: the competition code is the file's name "
        "(be.1.json), the season its folder (2025-26/). Team names resolve through the gazetteer's "
        "names and aliases. Each file is written whole or not at all; a bad file stops the import "
        "with the file, the match and the reason. Importing a file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, files, **options):
        paths = [Path(name) for name in files]
        if missing := [str(path) for path in paths if not path.is_file()]:
            raise CommandError(f"no such file: {', '.join(missing)}")
        resolver = fixtures.TeamResolver()
        for path in paths:
            try:
                report = fixtures.import_file(path, resolver)
            except fixtures.FixturesError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"{path}: {report}")
