"""WSGI entry point for production servers (e.g. `gunicorn bpmportal.wsgi`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpmportal.settings")

application = get_wsgi_application()
