"""billing.urls plus the baseline (a bare view that parses the same batch body and answers 200) and the floors
(bench/floors.py)."""

import orjson
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from bench.floors import FLOOR_VIEWS
from billing.urls import urlpatterns as billing_urlpatterns

BASELINE_PATH = "bench/baseline"


@csrf_exempt
def parse_only(request):
    """The framework's ceiling on this machine: routing, middleware, reading and parsing the body, nothing else."""
    orjson.loads(request.body)
    return HttpResponse(b"{}", content_type="application/json")


FLOOR_PATHS = {name: f"bench/{name}" for name in FLOOR_VIEWS}

urlpatterns = [
    path(BASELINE_PATH, parse_only),
    *(path(FLOOR_PATHS[name], view.as_view()) for name, view in FLOOR_VIEWS.items()),
    *billing_urlpatterns,
]
