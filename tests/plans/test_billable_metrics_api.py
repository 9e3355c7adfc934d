"""The billable metrics API, through HTTP as a Lago client calls it."""

import pytest
from lago_python_client.models.billable_metric import BillableMetricResponse

from plans.models import BillableMetric, BillableMetricFilter
from tests.factories.plans import BillableMetricFactory, ChargeFactory, ChargeFilterFactory, PlanFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/billable_metrics"


def create(api, **fields):
    body = {"name": "API calls", "code": "api_calls", "aggregation_type": "sum_agg", "field_name": "calls", **fields}
    return api.post(URL, {"billable_metric": body})


def assert_refused(response, errors: dict) -> None:
    assert response.status_code == 422, response.json()
    body = response.json()
    assert body["code"] == "validation_errors"
    assert body["error_details"] == errors


def test_create_returns_the_metric_in_lagos_shape(api, organization):
    response = create(
        api,
        description="Calls to the API",
        recurring=True,
        rounding_function="round",
        rounding_precision=2,
        filters=[{"key": "region", "values": ["eu", "us"]}, {"key": "tier", "values": ["pro"]}],
    )
    assert response.status_code == 200
    body = response.json()["billable_metric"]
    parsed = BillableMetricResponse.parse_obj(body)
    metric = BillableMetric.objects.get(organization=organization, code="api_calls")
    assert parsed.lago_id == str(metric.id)
    assert body["created_at"].endswith("Z")
    assert (parsed.aggregation_type, parsed.field_name, parsed.recurring) == ("sum_agg", "calls", True)
    assert (parsed.rounding_function, parsed.rounding_precision, parsed.weighted_interval) == ("round", 2, None)
    assert body["filters"] == [{"key": "region", "values": ["eu", "us"]}, {"key": "tier", "values": ["pro"]}]


def test_count_needs_no_field_name_and_weighted_sum_gets_seconds(api):
    assert create(api, code="count", aggregation_type="count_agg", field_name=None).status_code == 200
    response = create(api, code="seats", aggregation_type="weighted_sum_agg")
    assert response.json()["billable_metric"]["weighted_interval"] == "seconds"


def test_get_list_and_pagination(api, organization):
    for number in range(3):
        BillableMetricFactory(organization=organization, code=f"m{number}")
    page = api.get(URL, {"per_page": 2, "page": 2}).json()
    assert page["meta"] == {"current_page": 2, "next_page": None, "prev_page": 1, "total_pages": 2, "total_count": 3}
    assert len(page["billable_metrics"]) == 1
    for item in api.get(URL).json()["billable_metrics"]:
        BillableMetricResponse.parse_obj(item)
    found = api.get(f"{URL}/m1").json()["billable_metric"]
    assert found["code"] == "m1"


def test_update_changes_only_the_keys_sent_and_replaces_filters(api, organization):
    create(api, filters=[{"key": "region", "values": ["eu"]}])
    response = api.put(
        f"{URL}/api_calls",
        {"billable_metric": {"name": "API requests", "filters": [{"key": "tier", "values": ["free", "pro"]}]}},
    )
    assert response.status_code == 200
    body = response.json()["billable_metric"]
    assert (body["name"], body["code"], body["field_name"]) == ("API requests", "api_calls", "calls")
    assert body["filters"] == [{"key": "tier", "values": ["free", "pro"]}]
    assert list(BillableMetricFilter.objects.values_list("key", flat=True)) == ["tier"]


def test_update_can_rename_the_code(api):
    create(api)
    assert api.put(f"{URL}/api_calls", {"billable_metric": {"code": "calls"}}).status_code == 200
    assert api.get(f"{URL}/calls").status_code == 200
    assert api.get(f"{URL}/api_calls").status_code == 404


def test_delete_returns_the_metric_and_removes_it(api, organization):
    lago_id = create(api, filters=[{"key": "region", "values": ["eu"]}]).json()["billable_metric"]["lago_id"]
    response = api.delete(f"{URL}/api_calls")
    assert response.status_code == 200
    assert response.json()["billable_metric"]["lago_id"] == lago_id
    assert not BillableMetric.objects.filter(organization=organization).exists()
    assert not BillableMetricFilter.objects.exists()


def test_delete_of_a_metric_priced_by_a_charge_is_refused(api, organization):
    metric = BillableMetricFactory(organization=organization, code="used")
    ChargeFactory(plan=PlanFactory(organization=organization), billable_metric=metric)
    response = api.delete(f"{URL}/used")
    assert response.status_code == 405
    assert response.json() == {"status": 405, "error": "Method Not Allowed", "code": "billable_metric_in_use"}
    assert BillableMetric.objects.filter(pk=metric.pk).exists()


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"aggregation_type": "avg_agg"}, {"aggregation_type": ["value_is_invalid"]}),
        ({"aggregation_type": "max_agg", "field_name": None}, {"field_name": ["value_is_mandatory"]}),
        ({"aggregation_type": "unique_count_agg", "field_name": ""}, {"field_name": ["value_is_mandatory"]}),
        ({"aggregation_type": "max_agg", "recurring": True}, {"recurring": ["not_compatible_with_aggregation_type"]}),
        (
            {"aggregation_type": "latest_agg", "recurring": True},
            {"recurring": ["not_compatible_with_aggregation_type"]},
        ),
        ({"aggregation_type": "count_agg", "recurring": True}, {"recurring": ["not_compatible_with_aggregation_type"]}),
        ({"weighted_interval": "seconds"}, {"weighted_interval": ["not_compatible_with_aggregation_type"]}),
        (
            {"weighted_interval": "hours", "aggregation_type": "weighted_sum_agg"},
            {"weighted_interval": ["value_is_invalid"]},
        ),
        ({"recurring": "true"}, {"recurring": ["invalid_type"]}),
        ({"rounding_function": "truncate"}, {"rounding_function": ["value_is_invalid"]}),
        ({"rounding_precision": "2"}, {"rounding_precision": ["invalid_type"]}),
        ({"rounding_precision": 99}, {"rounding_precision": ["value_is_out_of_range"]}),
        ({"name": None}, {"name": ["value_is_mandatory"]}),
        ({"name": 12}, {"name": ["invalid_type"]}),
        ({"code": ""}, {"code": ["value_is_mandatory"]}),
        ({"filters": [{"key": "region", "values": []}]}, {"filters.0.values": ["value_is_mandatory"]}),
        ({"filters": [{"key": "region", "values": [1]}]}, {"filters.0.values.0": ["invalid_type"]}),
        ({"filters": [{"values": ["eu"]}]}, {"filters.0.key": ["value_is_mandatory"]}),
        ({"filters": {"region": ["eu"]}}, {"filters": ["invalid_type"]}),
        (
            {"filters": [{"key": "region", "values": ["eu"]}, {"key": "region", "values": ["us"]}]},
            {"filters.1.key": ["value_already_exist"]},
        ),
    ],
)
def test_invalid_metrics_are_refused_and_nothing_is_written(api, fields, errors):
    assert_refused(create(api, **fields), errors)
    assert not BillableMetric.objects.exists()
    assert not BillableMetricFilter.objects.exists()


def test_a_duplicate_code_is_refused(api, organization):
    create(api)
    assert_refused(create(api, name="Again"), {"code": ["value_already_exist"]})
    assert BillableMetric.objects.filter(organization=organization).count() == 1


def test_renaming_onto_an_existing_code_is_refused(api):
    create(api)
    create(api, code="other")
    assert_refused(
        api.put(f"{URL}/other", {"billable_metric": {"code": "api_calls"}}), {"code": ["value_already_exist"]}
    )
    assert set(BillableMetric.objects.values_list("code", flat=True)) == {"api_calls", "other"}


def test_an_update_is_checked_against_the_stored_fields(api):
    create(api, aggregation_type="sum_agg", recurring=True)
    response = api.put(f"{URL}/api_calls", {"billable_metric": {"aggregation_type": "max_agg"}})
    assert_refused(response, {"recurring": ["not_compatible_with_aggregation_type"]})
    assert BillableMetric.objects.get().aggregation_type == "sum_agg"


def test_a_refused_update_keeps_the_filters(api):
    create(api, filters=[{"key": "region", "values": ["eu"]}])
    response = api.put(
        f"{URL}/api_calls",
        {"billable_metric": {"filters": [{"key": "tier", "values": ["pro"]}], "rounding_function": "nope"}},
    )
    assert response.status_code == 422
    assert list(BillableMetricFilter.objects.values_list("key", "values")) == [("region", ["eu"])]


def test_filter_values_used_by_charge_filters_cannot_be_dropped(api, organization, metric):
    ChargeFilterFactory(charge=ChargeFactory(plan=PlanFactory(organization=organization), billable_metric=metric))
    response = api.put(f"{URL}/api_calls", {"billable_metric": {"filters": [{"key": "region", "values": ["us"]}]}})
    assert_refused(response, {"filters": ["values_used_by_charge_filters"]})
    assert metric.filters.get().values == ["eu", "us"]
    kept = api.put(f"{URL}/api_calls", {"billable_metric": {"filters": [{"key": "region", "values": ["eu", "apac"]}]}})
    assert kept.status_code == 200


def test_the_envelope_is_required(api):
    assert_refused(api.post(URL, {"name": "x"}), {"billable_metric": ["value_is_mandatory"]})


def test_another_organization_cannot_see_or_change_the_metric(api, other_api, metric):
    assert other_api.get(f"{URL}/api_calls").status_code == 404
    assert other_api.get(f"{URL}/api_calls").json()["code"] == "billable_metric_not_found"
    assert other_api.put(f"{URL}/api_calls", {"billable_metric": {"name": "Hijacked"}}).status_code == 404
    assert other_api.delete(f"{URL}/api_calls").status_code == 404
    assert other_api.get(URL).json()["billable_metrics"] == []
    metric.refresh_from_db()
    assert metric.name != "Hijacked"
    # the same code is free in another organization
    assert create(other_api).status_code == 200
