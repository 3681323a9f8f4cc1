"""The production server as the Dockerfile's CMD runs it: gunicorn with config/gunicorn.py
serving config.asgi.

`python -m tests.support.server --port N` serves until SIGTERM or Ctrl-C with
the caller's environment (make e2e starts it so).
"""

import argparse
import ctypes
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
PR_SET_PDEATHSIG = 1
DATABASE_VARIABLES = {"DATABASE_URL", *(f"PGSQL_{name}" for name in ("HOST", "PORT", "USER"))}
DATABASE_VARIABLES |= {"PGSQL_PASSWORD", "PGSQL_NAME"}

# What a deployment names (config/settings.py refuses to start without a key and
# host names when DEBUG is off and a database is configured).
DEPLOYMENT = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "false",
    "SECRET_KEY": "harness-only-not-a-secret",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    # Plain HTTP on loopback: no TLS proxy in front.
    "SECURE_SSL_REDIRECT": "false",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_environment(*, inherit: bool = True, **variables: str | None) -> dict:
    """A deployment's environment plus `variables` (a None value removes one).

    inherit: start from this process's environment (GUNICORN_WORKERS and the
    like pass through) less any database it configures; else from PATH alone.
    """
    if inherit:
        base = {k: v for k, v in os.environ.items() if k not in DATABASE_VARIABLES}
    else:
        base = {"PATH": os.environ["PATH"]}
    environment = {**base, **DEPLOYMENT, **variables}
    return {name: value for name, value in environment.items() if value is not None}


def run_python(
    arguments: list[str], environment: dict, *, timeout: float = 60
) -> subprocess.CompletedProcess:
    """`python <arguments>` in the checkout, in a fresh process with only `environment`."""
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_python(
    arguments: list[str], environment: dict, copies: int, *, stderr: int = subprocess.PIPE
) -> list[subprocess.Popen]:
    """`copies` processes of `python <arguments>` in the checkout, started at once with only
    `environment`; stdout captured as text, stderr as `stderr` says (STDOUT: merged into it)."""
    return [
        subprocess.Popen(
            [sys.executable, *arguments],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        for _ in range(copies)
    ]


def refusal(result: subprocess.CompletedProcess) -> str:
    """Why a process refused to start: the message of the ImproperlyConfigured it stopped with."""
    assert result.returncode != 0, result.stdout
    prefix = "django.core.exceptions.ImproperlyConfigured: "
    (line,) = [line for line in result.stderr.splitlines() if line.startswith(prefix)]
    return line.removeprefix(prefix)


def die_with_parent() -> None:
    """preexec_fn: even a SIGKILLed harness leaves no child behind (prctl(2) PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def get(
    url: str,
    *,
    host: str | None = None,
    headers: dict | None = None,
    source: str | None = None,
    timeout: float = 5,
):
    """(status, headers, body) of a GET, whatever the status; (None, None, b"") when
    nothing answers.

    `source`: the client's own address. Any of 127.0.0.0/8 is this machine, so a
    test can be a second client that the server tells apart by address.
    """
    parts = urlsplit(url)
    client = http.client.HTTPConnection(
        parts.hostname,
        parts.port,
        timeout=timeout,
        source_address=(source, 0) if source else None,
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        client.request("GET", path, headers={**({"Host": host} if host else {}), **(headers or {})})
        response = client.getresponse()
        return response.status, response.headers, response.read()
    except (OSError, http.client.HTTPException):  # refused, reset, cut short
        return None, None, b""
    finally:
        client.close()


def status_kb(pid: int, field: str = "VmRSS") -> int | None:
    """A memory figure of /proc/<pid>/status (VmRSS, VmHWM) in kB; None once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return None


class ProductionServer:
    """`gunicorn --config config/gunicorn.py config.asgi:application` on 127.0.0.1:<port>.

    A context manager: started and ready (/rear-diff/health/ready answers 200)
    on enter, stopped on exit. `log`: a file for its output, else this process's.
    """

    def __init__(self, environment: dict, *, port: int | None = None, log: Path | None = None):
        self.port = port or free_port()
        # The container's health probe (config/healthcheck.py) asks the port gunicorn binds.
        self.environment = {
            **environment,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "HEALTHCHECK_PORT": str(self.port),
        }
        self.log = log
        self.process: subprocess.Popen | None = None
        # Without CACHE_URL or CACHE_DIR, the throttle counters of this server's
        # workers live in a folder of its own, as in a container's /tmp: servers
        # of tests that run at once must not count each other's requests.
        self.cache_dir = None
        if not {"CACHE_URL", "CACHE_DIR"} & environment.keys():
            self.cache_dir = tempfile.TemporaryDirectory(prefix="rear-diff-cache-")
            self.environment["CACHE_DIR"] = self.cache_dir.name

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, **options):
        return get(self.url(path), **options)

    def start(self, timeout: float = 30) -> "ProductionServer":
        output = None
        if self.log:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            output = self.log.open("w")
        try:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--config", "config/gunicorn.py", "config.asgi:application"],
                cwd=ROOT,
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                preexec_fn=die_with_parent,
            )
        finally:
            if output:
                output.close()
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}{self._see()}")
            # Host localhost, as the container's health probe sends it.
            if self.get("/rear-diff/health/ready", host="localhost")[0] == 200:
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {timeout:.0f} s{self._see()}")

    def _see(self) -> str:
        """Where its output went, and the end of it: why it did not start."""
        if not self.log:
            return ""
        try:
            tail = self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return f"; see {self.log}"
        return f"; {self.log} ends:\n{tail}"

    def workers(self) -> list[int]:
        """The worker processes (the master's children)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return sorted(int(pid) for pid in path.read_text().split())
        except FileNotFoundError:
            return []

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.cache_dir is not None:
            self.cache_dir.cleanup()

    def __enter__(self) -> "ProductionServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=60, help="seconds to become ready")
    arguments = parser.parse_args()
    # SIGTERM unwinds like Ctrl-C, through ProductionServer.__exit__.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        with ProductionServer(dict(os.environ), port=arguments.port) as server:
            print(f"gunicorn ready on {server.url()}", flush=True)
            return server.process.wait()
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
