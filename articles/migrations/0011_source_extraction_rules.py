from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_lead_image_and_player_role"),
    ]

    operations = [
        migrations.AddField(
            model_name="source",
            name="strip_selectors",
            field=models.TextField(
                blank=True,
                help_text=(
                    "Eén per regel: wat deze selectors vinden, komt niet in de tekst (deelknoppen, lees-ook-blokken)."
                ),
                verbose_name="CSS-selectors om weg te laten",
            ),
        ),
        migrations.AddField(
            model_name="source",
            name="reextraction",
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="opnieuw extraheren"),
        ),
    ]
