from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_story_counts"),
    ]

    operations = [
        # Articles already stored have had their follow-up: they start settled (0); new rows
        # get the model's default (1, links and story due) in the transaction that stores them.
        migrations.AddField(
            model_name="article",
            name="landing",
            field=models.PositiveSmallIntegerField(
                choices=[(0, "afgewerkt"), (1, "clubs, spelers en verhaal"), (2, "gerelateerde artikels")],
                default=0,
                verbose_name="nawerk",
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="landing",
            field=models.PositiveSmallIntegerField(
                choices=[(0, "afgewerkt"), (1, "clubs, spelers en verhaal"), (2, "gerelateerde artikels")],
                default=1,
                verbose_name="nawerk",
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(condition=models.Q(("landing__gt", 0)), fields=["landing"], name="article_landing_due"),
        ),
    ]
