"""Run localstripe (a stateful fake Stripe API) on 127.0.0.1 only, for tests and development.

    python scripts/localstripe_loopback.py --port 8420

localstripe's own launcher listens on every interface and pickles its whole store to one fixed file in /tmp after
each write, which concurrent servers would share; this one binds loopback and keeps the store in memory.
"""

import argparse

from aiohttp import web
from localstripe import resources
from localstripe.server import app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8420)
    port = parser.parse_args().port
    resources.Store.dump_to_disk = lambda store: None
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
