import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdesk.settings")
application = get_wsgi_application()

# With DJANGO_DEBUG=0, stop here (one line naming what is missing) rather than serve 500s.
from newsdesk.checks import refuse_to_start_wrong  # noqa: E402  (needs the app registry)

refuse_to_start_wrong()
