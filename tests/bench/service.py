"""The service under test: the production server with the benchmark's settings, and its memory."""

import threading

from tests.support.server import ProductionServer, production_environment, status_kb

# What a TLS-terminating proxy adds to every request (the settings redirect plain HTTP).
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def service_env(database_url: str) -> dict:
    """Production settings (a deployment: DEBUG off) on a benchmark database.

    Behind a TLS proxy, as deployed; the request-rate throttles are off, or the
    benchmark would measure them (an empty rate disables one).
    """
    return production_environment(
        DATABASE_URL=database_url,
        BEHIND_PROXY="true",
        SECURE_SSL_REDIRECT=None,
        THROTTLE_ANON_RATE="",
        THROTTLE_WRITE_RATE="",
    )


class WorkerMemory(threading.Thread):
    """Samples the RSS of gunicorn's workers (the master's children) every 0.2 s.

    `case_peak_kb` is the highest VmRSS since the last reset(); `peak_kb` the
    highest VmHWM (the kernel's own peak RSS) of any worker seen.
    """

    def __init__(self, server: ProductionServer):
        super().__init__(daemon=True)
        self.server = server
        self.stopped = threading.Event()
        self.case_peak_kb = self.peak_kb = 0

    def reset(self) -> None:
        self.case_peak_kb = 0

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            for pid in self.server.workers():
                self.case_peak_kb = max(self.case_peak_kb, status_kb(pid, "VmRSS") or 0)
                self.peak_kb = max(self.peak_kb, status_kb(pid, "VmHWM") or 0)
