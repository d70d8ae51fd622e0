from django.core.management.base import BaseCommand, CommandError

from articles.entities import gazetteer


class Command(BaseCommand):
    help = (
        "Upsert clubs and players by slug from a gazetteer JSON file (default: the shipped one). "
        "What editors changed in the admin stays: an edited name, country, league or club is kept, "
        "name lists take the file's additions and keep the editor's additions and removals, and a "
        "club or player an editor deleted is not re-created (-v 2 lists them). "
        "When anything changed, every article is re-linked (a task; in-process without a broker)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(gazetteer.SHIPPED_GAZETTEER))

    def handle(self, *args, file, verbosity, **options):
        try:
            data = gazetteer.read(file)
            report = gazetteer.load(data)
        except gazetteer.GazetteerError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"gazetteer: {report.created} created, {report.updated} updated, {report.unchanged} unchanged; "
            f"kept {len(report.kept)} editor changes, {len(report.deleted)} deleted by editors left out"
        )
        if verbosity >= 2:
            for kept in report.kept:
                self.stdout.write(f"  kept editor's {kept}")
            for deleted in report.deleted:
                self.stdout.write(f"  left out {deleted} (deleted by an editor)")
