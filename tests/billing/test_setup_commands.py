"""The set-up commands: create_organization and bootstrap_demo (what `make run` calls before serving)."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from billing.models import ApiKey, Organization
from billing.services import API_KEY_PREFIX

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.billing.urls")]


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def organization_name_seen_with(key: str) -> str:
    """The organization the API resolves `key` to, through a real authenticated request."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.post("/api/v1/probe", {"probe": {"count": 1}}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["probe"]["organization"]


def test_create_organization_prints_a_working_key_alone_on_the_last_line():
    output = run("create_organization", "Initech", "--currency", "EUR", "--timezone", "Europe/Paris")

    key = output.splitlines()[-1]
    assert organization_name_seen_with(key) == "Initech"
    organization = Organization.objects.get(name="Initech")
    assert (organization.default_currency, organization.timezone) == ("EUR", "Europe/Paris")


def test_create_organization_refuses_a_duplicate_name_and_issues_no_key():
    run("create_organization", "Initech")

    with pytest.raises(CommandError, match="name"):
        run("create_organization", "Initech")

    assert Organization.objects.filter(name="Initech").count() == 1
    assert ApiKey.objects.filter(organization__name="Initech").count() == 1


def test_bootstrap_demo_first_run_creates_the_organization_and_a_superuser_and_prints_their_credentials():
    output = run("bootstrap_demo")

    password = re.search(r"user admin\s+password (\S+)", output).group(1)
    key = re.search(r"API key (\S+)", output).group(1)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(password)
    assert organization_name_seen_with(key) == "Demo"


def test_bootstrap_demo_second_run_creates_nothing_and_says_so():
    first = run("bootstrap_demo")
    password = re.search(r"user admin\s+password (\S+)", first).group(1)
    counts = (Organization.objects.count(), ApiKey.objects.count(), get_user_model().objects.count())

    second = run("bootstrap_demo")

    assert "nothing created" in second
    assert API_KEY_PREFIX not in second
    assert (Organization.objects.count(), ApiKey.objects.count(), get_user_model().objects.count()) == counts
    assert get_user_model().objects.get(username="admin").check_password(password)


def test_bootstrap_demo_leaves_an_existing_admin_user_as_it_is():
    get_user_model().objects.create_user("admin", password="chosen-by-the-operator")

    output = run("bootstrap_demo")

    assert "password (unchanged" in output
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password("chosen-by-the-operator")
    assert not admin.is_superuser
    assert Organization.objects.filter(name="Demo").exists()
