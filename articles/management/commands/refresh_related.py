from articles.management.base import DateRangeCommand
from articles.models import Article
from articles.stories import related

BATCH = 200


class Command(DateRangeCommand):
    help = (
        "Recompute the stored related lists (sidebars, LEES OOK, the API's `related`) of articles "
        "published in a date range (default: all), with a progress bar. Run it after rebuild_index "
        "or a bulk import: lists computed while the index was missing have no similar-text part."
    )

    def handle(self, *args, since, until, **options):
        ids = list(
            Article.objects.published().published_between(since, until).order_by("pk").values_list("pk", flat=True)
        )
        with self.progress(len(ids), "refresh_related") as bar:
            for start in range(0, len(ids), BATCH):
                batch = ids[start : start + BATCH]
                related.refresh(batch)
                bar.update(len(batch))
        self.stdout.write(f"refresh_related: {len(ids)} articles")
