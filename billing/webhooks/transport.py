"""One HTTP POST of a webhook, reduced to what the delivery log records. Never raises for the receiver's faults."""

import time
import urllib.error
import urllib.request
from dataclasses import dataclass

# A receiver's error page is kept only as far as it helps to read the log.
MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class PostOutcome:
    response_code: int | None
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would resend the signed body elsewhere (or drop it, as urllib turns a redirected POST into a GET):
    a 3xx is an answer to record, not to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_RefuseRedirects)


def post_json(*, url: str, body: bytes, headers: dict[str, str], timeout: float) -> PostOutcome:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.monotonic()
    try:
        with _opener.open(request, timeout=timeout) as response:
            return PostOutcome(response_code=response.status, error="", duration_ms=_elapsed_ms(started))
    except urllib.error.HTTPError as error:
        return PostOutcome(response_code=error.code, error=_answer_text(error), duration_ms=_elapsed_ms(started))
    except (OSError, ValueError) as error:  # URLError, timeouts and refused connections are all OSErrors
        reason = getattr(error, "reason", error)
        message = "timeout" if isinstance(reason, TimeoutError) else f"{type(reason).__name__}: {reason}"
        return PostOutcome(response_code=None, error=message[:MAX_ERROR_CHARS], duration_ms=_elapsed_ms(started))


def _answer_text(error: urllib.error.HTTPError) -> str:
    try:
        text = error.read(MAX_ERROR_CHARS).decode(errors="replace")
    except OSError:
        text = ""
    finally:
        error.close()
    return f"HTTP {error.code}" + (f": {text}" if text else "")


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
