"""wrk in the background, every answer classified against the contract by classify.lua."""

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.faults.options import WRK_TIMEOUT
from tests.support.server import die_with_parent

LUA = Path(__file__).resolve().parent / "classify.lua"


@dataclass
class WrkResult:
    requests: int = 0
    ok: int = 0
    db_errors: int = 0
    not_ready: int = 0
    query_timeouts: int = 0
    other: int = 0
    connect: int = 0
    read: int = 0
    write: int = 0
    timeout: int = 0
    p50_us: int = 0
    p99_us: int = 0
    max_us: int = 0
    duration_us: int = 0
    samples: list[str] = field(default_factory=list)

    @property
    def socket_errors(self) -> int:
        return self.connect + self.read + self.write

    @property
    def non_contract(self) -> int:
        """Answers outside the contract, and connections that got no answer at all."""
        return self.other + self.socket_errors

    @property
    def errors(self) -> int:
        """Anything but a 200, for phases where the database stays up."""
        return self.requests - self.ok + self.socket_errors + self.timeout


class Wrk:
    """One wrk run in the background: `wait()` returns its classified counts.

    new_connections: each request on a new connection (Connection: close). A
    keep-alive connection stays with the worker that accepted it, and one
    worker can accept most of them; new connections spread the load over
    every worker.
    """

    def __init__(
        self,
        base_url: str,
        paths: list[str],
        seconds: float,
        connections: int,
        *,
        new_connections: bool = False,
    ):
        headers = ["--header", "Connection: close"] if new_connections else []
        command = ["wrk", *headers, "--threads", str(min(2, connections))]
        command += ["--connections", str(connections), "--duration", f"{max(1, round(seconds))}s"]
        command += ["--timeout", f"{WRK_TIMEOUT}s", "--script", str(LUA), base_url, "--", *paths]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=die_with_parent,
        )

    def wait(self) -> WrkResult:
        output, _ = self.process.communicate()
        result = WrkResult()
        for line in output.splitlines():
            if line.startswith("FAULTS_SAMPLE "):
                result.samples.append(line.removeprefix("FAULTS_SAMPLE "))
            elif line.startswith("FAULTS_WRK "):
                for pair in line.split()[1:]:
                    name, value = pair.split("=")
                    setattr(result, name, int(value))
        if "FAULTS_WRK" not in output:
            raise RuntimeError(f"wrk printed no summary:\n{output}")
        return result

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
