"""Tax admin (through the services, scoped by organization) and the taxes chooser on customers, plans and charges."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from billing.services import organization_member_set
from customers.models import Customer
from taxes.models import Tax
from tests.factories.customers import CustomerFactory
from tests.factories.plans import ChargeFactory, PlanFactory
from tests.factories.taxes import TaxFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:taxes_tax_changelist")
ADD = reverse("admin:taxes_tax_add")


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser("root", "root@example.test", "pw"))
    return client


@pytest.fixture
def theirs(other_organization):
    return TaxFactory(organization=other_organization, code="their_vat", name="Their VAT")


def change_url(tax: Tax) -> str:
    return reverse("admin:taxes_tax_change", args=[tax.pk])


def test_changelist_shows_counts_and_searches(superuser_client, organization, vat, reduced_vat):
    CustomerFactory(organization=organization).taxes.add(vat)

    page = superuser_client.get(CHANGELIST, {"q": "reduced"})
    everything = superuser_client.get(CHANGELIST, {"applied_to_organization__exact": "0", "o": "5"})

    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [reduced_vat]
    assert everything.status_code == 200
    counts = {tax.code: tax.customers_count for tax in everything.context["cl"].result_list}
    assert counts == {"vat_fr": 1, "vat_fr_reduced": 0}


def test_add_and_change_pages_render(superuser_client, vat):
    assert superuser_client.get(ADD).status_code == 200
    assert superuser_client.get(change_url(vat)).status_code == 200


def test_add_creates_the_tax(superuser_client, organization):
    response = superuser_client.post(
        ADD, {"organization": str(organization.pk), "name": "GST", "code": "gst", "rate": "7.5", "description": ""}
    )

    assert response.status_code == 302, response.context["errors"]
    tax = Tax.objects.get(code="gst")
    assert (tax.organization, tax.rate, tax.applied_to_organization) == (organization, Decimal("7.5"), False)


def test_change_saves_and_refuses_a_code_taken_in_the_organization(superuser_client, vat, reduced_vat):
    form = {"name": "TVA", "rate": "19.6", "description": "", "applied_to_organization": "on"}

    taken = superuser_client.post(change_url(vat), form | {"code": "vat_fr_reduced"})
    saved = superuser_client.post(change_url(vat), form | {"code": "vat_fr"})

    assert taken.status_code == 200
    assert "code" in taken.context["adminform"].form.errors
    assert saved.status_code == 302
    vat.refresh_from_db()
    assert (vat.code, vat.rate, vat.applied_to_organization) == ("vat_fr", Decimal("19.6"), True)


def test_add_refuses_a_rate_over_100(superuser_client, organization):
    response = superuser_client.post(
        ADD, {"organization": str(organization.pk), "name": "X", "code": "x", "rate": "101"}
    )

    assert response.status_code == 200
    assert "rate" in response.context["adminform"].form.errors
    assert not Tax.objects.exists()


def test_delete_unlinks_the_tax(superuser_client, organization, vat):
    customer = CustomerFactory(organization=organization)
    customer.taxes.add(vat)

    response = superuser_client.post(reverse("admin:taxes_tax_delete", args=[vat.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Tax.objects.exists()
    assert not customer.taxes.exists()


def test_staff_member_sees_only_its_organizations_taxes(client, organization, vat, theirs):
    staff = User.objects.create_user("clerk", password="pw", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_tax", "change_tax", "view_customer", "change_customer"])
    )
    organization_member_set(user=staff, organization=organization)
    client.force_login(staff)
    customer = CustomerFactory(organization=organization)

    page = client.get(CHANGELIST)
    customer_page = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))

    assert list(page.context["cl"].result_list) == [vat]
    assert client.get(change_url(theirs)).status_code == 302
    assert list(customer_page.context["adminform"].form.fields["taxes"].queryset) == [vat]


@pytest.mark.parametrize(
    ("admin_name", "make"),
    [
        ("customers_customer", lambda organization: CustomerFactory(organization=organization)),
        ("plans_plan", lambda organization: PlanFactory(organization=organization)),
        ("plans_charge", lambda organization: ChargeFactory(plan=PlanFactory(organization=organization))),
    ],
)
def test_the_taxes_chooser_offers_the_rows_organizations_taxes_only(
    superuser_client, organization, vat, theirs, admin_name, make
):
    row = make(organization)

    page = superuser_client.get(reverse(f"admin:{admin_name}_change", args=[row.pk]))

    assert page.status_code == 200
    assert list(page.context["adminform"].form.fields["taxes"].queryset) == [vat]


def _customer_add_form(client, organization, **fields) -> dict:
    page = client.get(reverse("admin:customers_customer_add"))
    data = {"organization": str(organization.pk), "external_id": "from_admin"}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{inline.formset.prefix}-{name}": value for name, value in management.initial.items()})
    return data | fields


def test_customer_admin_sets_taxes_through_the_service(superuser_client, organization, vat, reduced_vat):
    form = _customer_add_form(superuser_client, organization, taxes=[str(vat.pk), str(reduced_vat.pk)])

    response = superuser_client.post(reverse("admin:customers_customer_add"), form)

    assert response.status_code == 302, response.context["errors"]
    customer = Customer.objects.get(external_id="from_admin")
    assert set(customer.taxes.all()) == {vat, reduced_vat}


def test_customer_admin_refuses_another_organizations_tax(superuser_client, organization, theirs):
    form = _customer_add_form(superuser_client, organization, taxes=[str(theirs.pk)])

    response = superuser_client.post(reverse("admin:customers_customer_add"), form)

    assert response.status_code == 200
    assert "taxes" in response.context["adminform"].form.errors
    assert not Customer.objects.exists()
