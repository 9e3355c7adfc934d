import pytest
from django.core.exceptions import ValidationError

from customers.validators import (
    ISO_3166_ALPHA2,
    validate_country_code,
    validate_document_locale,
    validate_email_addresses,
    validate_timezone_name,
)


def test_country_list_is_iso_3166_size():
    assert len(ISO_3166_ALPHA2) == 250  # 249 assigned codes plus XK


@pytest.mark.parametrize(
    ("validator", "value", "valid"),
    [
        (validate_country_code, "FR", True),
        (validate_country_code, "XK", True),
        (validate_country_code, "XX", False),
        (validate_country_code, "EU", False),
        (validate_country_code, "fr", False),
        (validate_timezone_name, "Europe/Paris", True),
        (validate_timezone_name, "UTC", True),
        (validate_timezone_name, "Mars/Olympus", False),
        (validate_timezone_name, "../../etc/passwd", False),
        (validate_email_addresses, "a@b.test", True),
        (validate_email_addresses, "a@b.test, c@d.test", True),
        (validate_email_addresses, "a@b.test,nope", False),
        (validate_email_addresses, "nope", False),
        (validate_document_locale, "fr", True),
        (validate_document_locale, "pt-BR", True),
        (validate_document_locale, "french", False),
    ],
)
def test_validators(validator, value, valid):
    if valid:
        validator(value)
    else:
        with pytest.raises(ValidationError):
            validator(value)
