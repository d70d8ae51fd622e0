import argparse
from datetime import date

from django.core.management.base import BaseCommand
from tqdm import tqdm

from articles.entities import linking
from articles.models import Article


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = (
        "Re-link every article (or those published in a date range) to the clubs and players it "
        "mentions, in batches, with a progress bar. Links an editor added or rejected stay as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", type=iso_date, help="only articles published on or after this date (YYYY-MM-DD)")
        parser.add_argument(
            "--until", type=iso_date, help="only articles published on or before this date (YYYY-MM-DD)"
        )
        parser.add_argument("--batch-size", type=int, default=linking.RELINK_BATCH)

    def handle(self, *args, since, until, batch_size, **options):
        articles = Article.objects.published_between(since, until)
        total = articles.count()
        changed = 0
        with tqdm(total=total, unit="artikel", desc="relink", file=self.stderr._out, disable=None) as bar:
            for batch in linking.relink_batches(batch_size, articles):
                changed += linking.relink_ids(batch)
                bar.update(len(batch))
        self.stdout.write(f"relink: {total} articles, {changed} with changed links")
