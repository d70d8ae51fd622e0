from django.core.management.base import BaseCommand
from tqdm import tqdm

from articles.management.commands.relink import iso_date
from articles.models import Article
from articles.stories import related

BATCH = 200


class Command(BaseCommand):
    help = (
        "Recompute the stored related lists (sidebars, LEES OOK, the API's `related`) of articles "
        "published in a date range (default: all), with a progress bar. Run it after rebuild_index "
        "or a bulk import: lists computed while the index was missing have no similar-text part."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", type=iso_date, help="from this publication date (YYYY-MM-DD)")
        parser.add_argument("--until", type=iso_date, help="up to and including this date (YYYY-MM-DD)")

    def handle(self, *args, since, until, **options):
        ids = list(
            Article.objects.published().published_between(since, until).order_by("pk").values_list("pk", flat=True)
        )
        desc = "refresh_related"
        with tqdm(total=len(ids), unit="artikel", desc=desc, file=self.stderr._out, disable=None) as bar:
            for start in range(0, len(ids), BATCH):
                batch = ids[start : start + BATCH]
                related.refresh(batch)
                bar.update(len(batch))
        self.stdout.write(f"refresh_related: {len(ids)} articles")
