"""The service under test: gunicorn started as the Dockerfile's CMD starts it."""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PR_SET_PDEATHSIG = 1


# What a TLS-terminating proxy adds to every request (the settings redirect plain HTTP).
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def service_env(database_url: str) -> dict:
    """Production settings (a deployment: DEBUG off) on a benchmark database.

    Behind a TLS proxy, as deployed; the request-rate throttles are off, or the
    benchmark would measure them (an empty rate disables one).
    """
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-a-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BEHIND_PROXY": "true",
        "THROTTLE_ANON_RATE": "",
        "THROTTLE_WRITE_RATE": "",
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    # Even a SIGKILLed bench leaves no gunicorn behind (prctl(2) PR_SET_PDEATHSIG).
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


class WorkerMemory(threading.Thread):
    """Samples the RSS of gunicorn's workers (the master's children) every 0.2 s.

    `case_peak_kb` is the highest VmRSS since the last reset(); `peak_kb` the
    highest VmHWM (the kernel's own peak RSS) of any worker seen.
    """

    def __init__(self, master_pid: int):
        super().__init__(daemon=True)
        self.children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
        self.stopped = threading.Event()
        self.case_peak_kb = self.peak_kb = 0

    def reset(self) -> None:
        self.case_peak_kb = 0

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            try:
                workers = [int(pid) for pid in self.children.read_text().split()]
            except FileNotFoundError:
                return
            for pid in workers:
                self.case_peak_kb = max(self.case_peak_kb, _status_kb(pid, "VmRSS"))
                self.peak_kb = max(self.peak_kb, _status_kb(pid, "VmHWM"))


class Gunicorn:
    """`gunicorn --config config/gunicorn.py config.wsgi` on 127.0.0.1:<free port>."""

    def __init__(self, env: dict, log: Path):
        self.port = _free_port()
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self.log = log
        self.process = None
        self.memory = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> "Gunicorn":
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [str(gunicorn), "--config", "config/gunicorn.py", "config.wsgi"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        try:
            self._wait_ready()
        except BaseException:
            self._stop()
            raise
        self.memory = WorkerMemory(self.process.pid)
        self.memory.start()
        return self

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                with urllib.request.urlopen(self.url("/rear-diff/health/ready"), timeout=5):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {timeout} s; see {self.log}")

    def _stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __exit__(self, *exc) -> None:
        if self.memory:
            self.memory.stopped.set()
        self._stop()
