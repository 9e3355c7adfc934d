"""Domain errors raised by services and selectors of every app; the API layer maps them to Lago's error shapes.

Services never raise HTTP or DRF exceptions: a management command or a Celery task calls them too.
"""


class DomainError(Exception):
    pass


class NotFound(DomainError):
    """An object that does not exist for this organization (another organization's object is exactly as missing)."""

    def __init__(self, resource: str):
        super().__init__(f"{resource} not found")
        self.resource = resource

    @property
    def code(self) -> str:
        return f"{self.resource}_not_found"


class ValidationFailed(DomainError):
    """Refused input: maps field paths to snake_case codes, e.g. {"currency": ["value_is_invalid"]}."""

    def __init__(self, details: dict[str, list[str]]):
        super().__init__(f"validation failed: {details}")
        self.details = details

    @classmethod
    def single(cls, field: str, code: str) -> "ValidationFailed":
        return cls({field: [code]})


class NotAllowed(DomainError):
    """A state change the object's state refuses, e.g. deleting a plan with live subscriptions (Lago's 405)."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code


class ServiceUnavailable(DomainError):
    """A backing service (e.g. the usage store's server) cannot answer now; the request may be retried (503)."""

    code = "service_unavailable"
