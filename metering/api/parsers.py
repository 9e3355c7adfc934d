from billing.api.parsers import LimitedJSONParser
from metering.ingestion import wire_events_decode


class EventBatchParser(LimitedJSONParser):
    """A batch body decoded straight into WireEvents (request.data is `{"events": [WireEvent, ...]}`) when it has the
    wire shape; any other body is parsed as plain JSON, and ingestion names its errors."""

    def loads(self, body: bytes):
        events = wire_events_decode(body)
        return super().loads(body) if events is None else {"events": events}
