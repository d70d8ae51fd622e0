from django.apps import AppConfig


class NewsdeskConfig(AppConfig):
    """The project itself: its start-up checks (newsdesk.checks)."""

    name = "newsdesk"
    verbose_name = "newsdesk"

    def ready(self):
        from newsdesk import checks  # noqa: F401  (registers the deploy checks)
