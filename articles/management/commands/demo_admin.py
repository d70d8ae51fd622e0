from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the demo editor account admin/admin (development only; refused when DEBUG is off)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("refusing to create a demo account with DJANGO_DEBUG=0; use createsuperuser")
        User = get_user_model()
        if User.objects.filter(username="admin").exists():
            self.stdout.write("demo admin: exists")
            return
        User.objects.create_superuser("admin", "admin@newsdesk.invalid", "admin")
        self.stdout.write("demo admin: created admin / admin")
