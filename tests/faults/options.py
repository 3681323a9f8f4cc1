"""What a `make faults` run does, from the environment (seconds unless said)."""

import os


def setting(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


ROWS = int(setting("FAULTS_ROWS", 10_000))
FAULT_SECONDS = setting("FAULTS_SECONDS", 30)
DOWN_SECONDS = setting("FAULTS_DOWN_SECONDS", 10)
LEAD_SECONDS = setting("FAULTS_LEAD_SECONDS", 5)
WARMUP_SECONDS = setting("FAULTS_WARMUP_SECONDS", 20)
LOAD_SECONDS = setting("FAULTS_LOAD_SECONDS", 60)
PATCH_SECONDS = setting("FAULTS_PATCH_SECONDS", 15)
CONNECT_TIMEOUT = int(setting("FAULTS_CONNECT_TIMEOUT", 2))
WRK_TIMEOUT = int(setting("FAULTS_WRK_TIMEOUT", 5))
RECOVERY_LIMIT = 30.0  # seconds the poller waits for a success after the database is back
RSS_TOLERANCE = 0.10

DATABASE = "rear_diff_faults"
AUDIT = "rear_diff.media_mediachange"
# The read mix of the load phase: default page, filtered sort, the largest
# page, a title search.
READ_MIX = [
    "/rear-diff/media",
    "/rear-diff/media?media_type=movie&pipeline_status=complete&sort_by=release_year&sort_order=asc",
    "/rear-diff/media?limit=1000",
    "/rear-diff/media?media_title=night",
]
# The fault phase adds readiness, whose 503 is part of the contract.
FAULT_MIX = ["/rear-diff/media?limit=10", READ_MIX[1], "/rear-diff/health/ready"]
