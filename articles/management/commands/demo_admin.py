from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from articles.models import Story


class Command(BaseCommand):
    help = (
        "Demo newsroom (development only; refused when DEBUG is off): the editor account admin/admin, "
        "and the demo's two widest-covered stories featured on the front page when none is."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("refusing to create a demo account with DJANGO_DEBUG=0; use createsuperuser")
        self.feature_stories()
        User = get_user_model()
        if User.objects.filter(username="admin").exists():
            self.stdout.write("demo admin: exists")
            return
        User.objects.create_superuser("admin", "admin@newsdesk.invalid", "admin")
        self.stdout.write("demo admin: created admin / admin")

    def feature_stories(self):
        if Story.objects.filter(is_featured=True).exists():
            return
        widest = Story.objects.filter(source_count__gt=1).order_by("-source_count", "-last_published_at")[:2]
        for order, story in enumerate(widest, start=1):
            Story.objects.filter(pk=story.pk).update(is_featured=True, featured_order=order)
            self.stdout.write(f"demo: featured “{story}”")
