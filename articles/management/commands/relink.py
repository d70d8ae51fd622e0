from articles.entities import linking
from articles.management.base import DateRangeCommand
from articles.models import Article


class Command(DateRangeCommand):
    help = (
        "Re-link every article (or those published in a date range) to the clubs and players it "
        "mentions, in batches, with a progress bar. Links an editor added or rejected stay as they are."
    )
    since_help = "only articles published on or after this date (YYYY-MM-DD)"
    until_help = "only articles published on or before this date (YYYY-MM-DD)"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--batch-size", type=int, default=linking.RELINK_BATCH)

    def handle(self, *args, since, until, batch_size, **options):
        articles = Article.objects.published_between(since, until)
        total = articles.count()
        changed = 0
        with self.progress(total, "relink") as bar:
            for batch in linking.relink_batches(batch_size, articles):
                changed += linking.relink_ids(batch)
                bar.update(len(batch))
        self.stdout.write(f"relink: {total} articles, {changed} with changed links")
