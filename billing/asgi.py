import os

from django.core.asgi import get_asgi_application

from billing.collector import collector_tune

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing.settings")
application = get_asgi_application()
collector_tune()
