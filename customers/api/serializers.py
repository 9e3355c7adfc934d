"""Request and response shapes of /customers, in Lago's wire format."""

from rest_framework import serializers

from billing.api.fields import StrictBooleanField, StrictIntegerField
from customers.api.fields import (
    BlankAsNullCharField,
    OptionalChoiceField,
    OptionalCountryField,
    OptionalCurrencyField,
    OptionalTextField,
    OptionalTimezoneField,
    StrictCharField,
)
from customers.models import Customer, CustomerMetadata
from customers.services import MetadataEntry
from customers.validators import validate_document_locale, validate_email_addresses
from taxes.api.serializers import TaxSerializer


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def _text(field: str, **kwargs) -> OptionalTextField:
    return OptionalTextField(max_length=_max_length(Customer, field), **kwargs)


class ObjectInputSerializer(serializers.Serializer):
    """A nested JSON object; anything else is an `invalid_type` on the object's own path."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("invalid_type", code="invalid_type")
        return super().to_internal_value(data)


class CustomerMetadataInputSerializer(ObjectInputSerializer):
    """One metadata entry; a key appears once per customer."""

    key = StrictCharField(max_length=_max_length(CustomerMetadata, "key"))
    value = StrictCharField(max_length=_max_length(CustomerMetadata, "value"))
    display_in_invoice = StrictBooleanField(required=False, default=False)


class CustomerBillingConfigurationInputSerializer(ObjectInputSerializer):
    """How the customer is invoiced and charged; only the keys present change."""

    invoice_grace_period = StrictIntegerField(required=False, allow_null=True, min_value=0, max_value=365)
    payment_provider = OptionalChoiceField(choices=Customer.PaymentProvider.choices)
    provider_customer_id = _text("provider_customer_id")
    sync_with_provider = StrictBooleanField(required=False)
    document_locale = _text("document_locale", validators=[validate_document_locale])


class CustomerUpsertInputSerializer(serializers.Serializer):
    """Only the keys present change; `null` clears an optional value. Keys we do not know are ignored."""

    external_id = StrictCharField(max_length=_max_length(Customer, "external_id"))
    name = _text("name")
    firstname = _text("firstname")
    lastname = _text("lastname")
    customer_type = OptionalChoiceField(choices=Customer.CustomerType.choices)
    email = _text("email", validators=[validate_email_addresses])
    phone = _text("phone")
    url = _text("url")
    legal_name = _text("legal_name")
    legal_number = _text("legal_number")
    tax_identification_number = _text("tax_identification_number")
    address_line1 = _text("address_line1")
    address_line2 = _text("address_line2")
    city = _text("city")
    state = _text("state")
    zipcode = _text("zipcode")
    country = OptionalCountryField(max_length=_max_length(Customer, "country"))
    currency = OptionalCurrencyField()
    timezone = OptionalTimezoneField()
    net_payment_term = StrictIntegerField(required=False, allow_null=True, min_value=0, max_value=3650)
    metadata = serializers.ListField(child=CustomerMetadataInputSerializer(), required=False, allow_null=True)
    billing_configuration = CustomerBillingConfigurationInputSerializer(required=False)
    tax_codes = serializers.ListField(
        child=StrictCharField(),
        required=False,
        help_text="Codes of the organization's taxes; replaces the customer's set, and [] removes them all.",
    )

    def validate(self, attrs: dict) -> dict:
        """The keyword arguments of customers.services.customer_upsert."""
        attrs.update(attrs.pop("billing_configuration", {}))
        if "metadata" in attrs:
            attrs["metadata"] = tuple(MetadataEntry(**entry) for entry in attrs["metadata"] or ())
        return attrs


class CustomerMetadataSerializer(serializers.Serializer):
    lago_id = serializers.UUIDField(source="id")
    key = serializers.CharField()
    value = serializers.CharField()
    display_in_invoice = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class CustomerBillingConfigurationSerializer(serializers.Serializer):
    invoice_grace_period = serializers.IntegerField(allow_null=True)
    payment_provider = BlankAsNullCharField()
    provider_customer_id = BlankAsNullCharField()
    sync_with_provider = serializers.BooleanField()
    document_locale = BlankAsNullCharField()


class CustomerSerializer(serializers.Serializer):
    lago_id = serializers.UUIDField(source="id")
    sequential_id = serializers.IntegerField()
    slug = serializers.CharField()
    external_id = serializers.CharField()
    name = BlankAsNullCharField()
    firstname = BlankAsNullCharField()
    lastname = BlankAsNullCharField()
    customer_type = BlankAsNullCharField()
    email = BlankAsNullCharField()
    phone = BlankAsNullCharField()
    url = BlankAsNullCharField()
    legal_name = BlankAsNullCharField()
    legal_number = BlankAsNullCharField()
    tax_identification_number = BlankAsNullCharField()
    address_line1 = BlankAsNullCharField()
    address_line2 = BlankAsNullCharField()
    city = BlankAsNullCharField()
    state = BlankAsNullCharField()
    zipcode = BlankAsNullCharField()
    country = BlankAsNullCharField()
    currency = BlankAsNullCharField()
    timezone = BlankAsNullCharField()
    applicable_timezone = serializers.CharField()
    net_payment_term = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    billing_configuration = CustomerBillingConfigurationSerializer(source="*")
    metadata = CustomerMetadataSerializer(many=True)
    taxes = TaxSerializer(many=True, help_text="The customer's own taxes (the organization's apply when empty).")
