"""Container health probe: exit 0 when /rear-diff/health answers 200.

The Dockerfile's HEALTHCHECK runs `python -m config.healthcheck`; the image
has no curl. Host `localhost` must be in ALLOWED_HOSTS (it is by default).
"""

import os
import sys
import urllib.request


def main() -> int:
    port = os.environ.get("HEALTHCHECK_PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/rear-diff/health", headers={"Host": "localhost"}
    )
    try:
        with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310 (fixed URL)
            return 0 if response.status == 200 else 1
    except OSError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
