from django.db import models


class IndexDeletion(models.Model):
    """An article deleted from the database whose index copy is still to be removed.

    The row outlives a crash: the next index run removes the document, then this row.
    """

    article_id = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"delete {self.article_id} from the index"
