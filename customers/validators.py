"""Validators of customer fields, shared by the model (admin forms, the services' full_clean) and the API serializers.

Each raises Django's ValidationError with a Lago snake_case code as both message and code.
"""

import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from billing.money import is_valid_currency

# ISO 3166-1 alpha-2 officially assigned codes, plus XK (Kosovo), which payment providers accept.
ISO_3166_ALPHA2 = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO
    FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE
    JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO
    MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
    PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM
    TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
    """.split()
)

_LOCALE = re.compile(r"[a-z]{2}(-[A-Z]{2})?")


def _invalid(code: str) -> ValidationError:
    return ValidationError(code, code=code)


def validate_country_code(value: str) -> None:
    if value not in ISO_3166_ALPHA2:
        raise _invalid("country_code_invalid")


def validate_currency_code(value: str) -> None:
    if not is_valid_currency(value):
        raise _invalid("value_is_invalid")


def validate_timezone_name(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise _invalid("invalid_timezone") from None


def validate_email_addresses(value: str) -> None:
    """One address or several separated by commas, as Lago accepts for invoice recipients."""
    for address in value.split(","):
        try:
            validate_email(address.strip())
        except ValidationError:
            raise _invalid("invalid_email_format") from None


def validate_document_locale(value: str) -> None:
    if not _LOCALE.fullmatch(value):
        raise _invalid("invalid_value")
