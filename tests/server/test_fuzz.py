"""Schema-driven fuzzing with Schemathesis against a live server's own /openapi.json (fixed seed):
no 5xx, every status documented for its operation, every body (errors included) conforming to the
documented schema, 405 with ``Allow`` for undocumented methods. ``/v1/rollouts`` is left out: it
makes outbound calls to whatever model URL it is given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from server_proc import ServerProcess

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
    "response_headers_conformance,unsupported_method"
)


def test_schemathesis_finds_no_server_error_or_schema_violation(tmp_path):
    schemathesis = Path(sys.executable).with_name("schemathesis")
    with ServerProcess(step_timeout_s=10, max_sessions=64) as server:
        run = subprocess.run(
            [
                str(schemathesis),
                "run",
                f"{server.url}/openapi.json",
                "--checks",
                CHECKS,
                "--seed",
                "20261204",
                "--max-examples",
                os.environ.get("ENVGYM_FUZZ_EXAMPLES", "40"),
                "--exclude-path",
                "/v1/rollouts",
                "--request-timeout",
                "30",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            cwd=tmp_path,
        )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
