"""The torch GRPO example learns: a short run against a real `envgym serve` (started by the script)
must lift the policy's mean reward well above the untrained policy's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="torch is not installed (scripts/setup.sh installs torch==2.13.0)")

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "examples" / "torch_grpo" / "train.py"


def test_short_grpo_run_beats_untrained_policy(tmp_path):
    pytest.importorskip("envgym_arith", reason="install examples/torch_grpo/envgym-arith (scripts/setup.sh does)")
    metrics = tmp_path / "metrics.json"
    plot = tmp_path / "curve.png"
    proc = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--steps",
            "60",
            "--metrics",
            str(metrics),
            "--plot",
            str(plot),
            "--log-every",
            "20",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    steps = json.loads(metrics.read_text())
    summary = steps[-1]
    # The untrained (uniform) policy scores about 1/15; after 60 GRPO steps it must be far above.
    assert summary["final"] >= summary["baseline"] + 0.25, summary
    rewards = [s["mean_reward"] for s in steps if "step" in s]
    assert sum(rewards[-10:]) / 10 > sum(rewards[:10]) / 10 + 0.2
    assert plot.stat().st_size > 10_000  # a real PNG was drawn
