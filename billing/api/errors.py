"""Every API error leaves in Lago's shape: {"status", "error", "code"?, "error_details"?}."""

from http import HTTPStatus

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

from billing.api.parsers import PayloadTooLarge
from billing.errors import NotAllowed, NotFound, ServiceUnavailable, ValidationFailed

# DRF's built-in error codes, renamed to the codes Lago's clients know.
DRF_TO_LAGO_CODES = {
    "required": "value_is_mandatory",
    "null": "value_is_mandatory",
    "blank": "value_is_mandatory",
    "invalid": "invalid_value",
    "invalid_choice": "value_is_invalid",
    "not_a_list": "invalid_type",
    "not_a_dict": "invalid_type",
    "empty": "value_is_mandatory",
    "max_length": "value_is_too_long",
    "min_length": "value_is_too_short",
    "max_value": "value_is_out_of_range",
    "min_value": "value_is_out_of_range",
    "max_digits": "value_is_out_of_range",
    "max_decimal_places": "value_is_out_of_range",
    "max_whole_digits": "value_is_out_of_range",
    "unique": "value_already_exist",
    "date": "invalid_date",
    "datetime": "invalid_date",
    "make_aware": "invalid_date",
    "overflow": "value_is_out_of_range",
    "max_string_length": "value_is_too_long",
}


def lago_error(http_status: int, code: str | None = None, error_details=None) -> Response:
    body = {"status": http_status, "error": _reason(http_status)}
    if code:
        body["code"] = code
    if error_details is not None:
        body["error_details"] = error_details
    return Response(body, status=http_status)


def _reason(http_status: int) -> str:
    return HTTPStatus(http_status).phrase


def flatten_error_details(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error tree as {"charges.0.properties.amount": ["invalid_value"]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("non_field_errors", "__all__"):
                path_of_key = prefix or "base"  # an object-level error belongs to the object itself
            else:
                path_of_key = f"{prefix}.{key}" if prefix else str(key)
            for path, codes in flatten_error_details(value, path_of_key).items():
                flat.setdefault(path, []).extend(codes)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            flat[prefix or "base"] = [_lago_code(item) for item in detail]
        else:
            for index, value in enumerate(detail):
                if value:
                    for path, codes in flatten_error_details(
                        value, f"{prefix}.{index}" if prefix else str(index)
                    ).items():
                        flat.setdefault(path, []).extend(codes)
    else:
        flat[prefix or "base"] = [_lago_code(detail)]
    return flat


def _lago_code(error) -> str:
    code = getattr(error, "code", None) or str(error)
    return DRF_TO_LAGO_CODES.get(code, code)


def lago_exception_handler(exc, context):
    if isinstance(exc, ValidationFailed):
        return lago_error(422, "validation_errors", exc.details)
    if isinstance(exc, NotFound):
        return lago_error(404, exc.code)
    if isinstance(exc, NotAllowed):
        return lago_error(405, exc.code)
    if isinstance(exc, ServiceUnavailable):
        response = lago_error(503, exc.code)
        response["Retry-After"] = "5"
        return response
    if isinstance(exc, DjangoValidationError):
        details = exc.message_dict if hasattr(exc, "error_dict") else {"base": exc.messages}
        return lago_error(422, "validation_errors", {k: [str(m) for m in v] for k, v in details.items()})
    if isinstance(exc, exceptions.ValidationError):
        return lago_error(422, "validation_errors", flatten_error_details(exc.detail))
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        response = lago_error(401)
        response["WWW-Authenticate"] = "Bearer"
        return response
    if isinstance(exc, exceptions.PermissionDenied):
        return lago_error(403, "forbidden")
    if isinstance(exc, (Http404, exceptions.NotFound)):
        return lago_error(404, "not_found")
    if isinstance(exc, exceptions.ParseError):
        return lago_error(400, "bad_request", {"body": ["invalid_json"]})
    if isinstance(exc, PayloadTooLarge):
        return lago_error(413, "payload_too_large", {"body": ["value_is_too_long"]})
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return lago_error(415, "unsupported_media_type", {"content_type": ["value_is_invalid"]})
    if isinstance(exc, exceptions.MethodNotAllowed):
        return lago_error(405, "method_not_allowed")
    if isinstance(exc, exceptions.Throttled):
        response = lago_error(429, "too_many_requests")
        if exc.wait is not None:
            response["x-ratelimit-reset"] = str(int(exc.wait))
        return response
    if isinstance(exc, exceptions.APIException):
        return lago_error(exc.status_code, exc.default_code)
    return None
