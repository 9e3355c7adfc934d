import os

from django.core.wsgi import get_wsgi_application

from billing.collector import collector_tune

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing.settings")
application = get_wsgi_application()
collector_tune()
