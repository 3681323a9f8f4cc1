"""The load generators: wrk against the service, pgbench (and psql) against its SQL."""

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
CONNECTIONS, THREADS = 8, 2


def require_wrk() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")


@dataclass
class WrkResult:
    ok: int  # responses with a status below 400
    rps: float  # of those
    p50_ms: float  # over every response (wrk cannot tell them apart)
    p99_ms: float
    errors: int  # HTTP >= 400, plus connect/read/write errors and timeouts


def wrk(
    url: str,
    seconds: int,
    headers: dict,
    patch_hashes: Path | None = None,
) -> WrkResult:
    env = dict(os.environ)
    if patch_hashes:
        env["BENCH_PATCH_HASHES"] = str(patch_hashes)
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "30s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += ["-s", str(WRK_SCRIPT), url]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    match = re.search(r"^BENCH_WRK (.*)$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed:\n{result.stdout}\n{result.stderr}")
    values = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match[1])}
    ok = values["requests"] - values["http_errors"]
    return WrkResult(
        ok=ok,
        rps=ok / (values["duration_us"] / 1e6),
        p50_ms=values["p50_us"] / 1000,
        p99_ms=values["p99_us"] / 1000,
        errors=values["http_errors"] + values["socket_errors"],
    )


@dataclass
class PgbenchResult:
    tps: float
    latency_ms: float


def pgbench(
    bin_dir: Path, connection: list[str], scripts: list[Path], seconds: int, pgoptions: str = ""
):
    """Replay the scripts (one picked at random per transaction) at the service's concurrency.

    pgoptions: the session settings to run them under (PGOPTIONS), e.g. the service's own.
    """
    command = [str(bin_dir / "pgbench"), "-n", *(f"--file={script}" for script in scripts)]
    command += [f"-c{CONNECTIONS}", f"-j{THREADS}", f"-T{seconds}", *connection]
    result = subprocess.run(
        command, env={**os.environ, "PGOPTIONS": pgoptions}, capture_output=True, text=True
    )
    tps = re.search(r"^tps = ([\d.]+)", result.stdout, re.MULTILINE)
    latency = re.search(r"^latency average = ([\d.]+) ms", result.stdout, re.MULTILINE)
    if result.returncode != 0 or tps is None or latency is None:
        raise RuntimeError(f"pgbench failed:\n{result.stdout}\n{result.stderr}")
    return PgbenchResult(float(tps[1]), float(latency[1]))


def psql_check(bin_dir: Path, connection: list[str], script: Path, pgoptions: str = "") -> None:
    """The captured SQL must run as-is in psql (values inlined, nothing to bind)."""
    command = [str(bin_dir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", *connection]
    command += ["-f", str(script), "-o", os.devnull]
    result = subprocess.run(
        command, env={**os.environ, "PGOPTIONS": pgoptions}, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"{script.name} does not run in psql:\n{result.stderr}")
