"""The stand-in judge's CLI and decision rule; ``envgym judge-agreement`` against it."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys

import httpx
import pytest
from typer.testing import CliRunner

from envgym.cli import app
from envgym_graders.rubric.agreement import agreement_stats, default_rows_path, load_rows
from envgym_graders.rubric.templates import build_messages
from envgym_rubric.standin_judge import decide


def test_standin_decision_rule():
    def verdict(terms, answer, description="Mentions caching"):
        return decide({"messages": build_messages("task", description, terms, answer)}).splitlines()[-1]

    assert verdict(["cache", "TTL", "root"], "Resolvers cache answers for the TTL.") == "VERDICT: MET"  # 2 of 3
    assert verdict(["cache", "TTL", "root"], "Resolvers cache answers.") == "VERDICT: NOT_MET"  # 1 of 3
    assert verdict(["root server|root nameserver"], "ask a Root  Nameserver first") == "VERDICT: MET"
    assert (
        verdict(["cache"], "the cached copy") == "VERDICT: MET"
        and verdict(["cache"], "no caching") == "VERDICT: NOT_MET"
    )
    # no key terms: content words of the description
    assert (
        verdict([], "resolvers keep answers in a cache for speed", "Mentions resolvers caching answers")
        == "VERDICT: MET"
    )
    reply = decide({"messages": [{"role": "user", "content": "hello"}]})
    assert reply.status == 400


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_standin_cli_serves_until_terminated():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "envgym_rubric.standin_judge", "--port", str(port)], stderr=subprocess.PIPE, text=True
    )
    try:
        banner = proc.stderr.readline()
        assert "STAND-IN" in banner and "NOT a real judge" in banner
        assert f"127.0.0.1:{port}/v1" in proc.stderr.readline()
        body = {"model": "any", "messages": build_messages("Explain DNS.", "Mentions caching", ["cache"], "It caches.")}
        reply = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=body, timeout=30).json()
        assert reply["choices"][0]["message"]["content"].endswith("VERDICT: MET")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def test_agreement_statistics_by_hand():
    labels = ["MET"] * 6 + ["NOT_MET"] * 4
    judge = ["MET"] * 5 + ["NOT_MET"] + ["MET"] + ["NOT_MET"] * 3
    stats = agreement_stats(labels, judge)
    # po = 8/10; pe = 0.6*0.6 + 0.4*0.4 = 0.52; kappa = (0.8 - 0.52) / 0.48
    assert stats.agreement == pytest.approx(0.8) and stats.kappa == pytest.approx(0.28 / 0.48)
    assert stats.confusion == {"MET": {"MET": 5, "NOT_MET": 1}, "NOT_MET": {"MET": 1, "NOT_MET": 3}}
    assert (
        agreement_stats(["MET", "MET"], ["MET", "MET"]).kappa != agreement_stats(["MET", "MET"], ["MET", "MET"]).kappa
    )  # NaN


def test_shipped_labeled_file():
    rows = load_rows(default_rows_path())
    assert 30 <= len(rows) <= 60
    labels = [r.label for r in rows]
    assert 0.3 < labels.count("MET") / len(rows) < 0.7


def _cli(*args: str):
    return CliRunner().invoke(app, ["judge-agreement", *args])


def test_judge_agreement_cli_against_standin(standin):
    rows = load_rows(default_rows_path())
    expected_judge = [
        decide({"messages": build_messages(r.task, r.criterion.description, r.criterion.terms, r.answer)})
        .splitlines()[-1]
        .split(": ")[1]
        for r in rows
    ]
    expected = agreement_stats([r.label for r in rows], expected_judge)
    before = len(standin.requests)
    result = _cli("--base-url", standin.base_url, "--model", "standin", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert len(standin.requests) - before == len(rows)
    assert out["judged"] == len(rows) and out["errors"] == 0
    assert out["agreement"] == pytest.approx(expected.agreement) and out["kappa"] == pytest.approx(expected.kappa)
    assert out["confusion"] == expected.confusion
    # the stand-in is a keyword matcher: the shipped file is built to show it is no real judge
    assert out["kappa"] < 0.5


def test_judge_agreement_cli_custom_file_and_errors(standin, tmp_path, dead_url):
    path = tmp_path / "rows.jsonl"
    rows = [
        {
            "id": "a",
            "answer": "resolvers cache answers",
            "criterion": {"description": "caching", "terms": ["cache"]},
            "label": "MET",
        },
        {
            "id": "b",
            "answer": "names map to addresses",
            "criterion": {"description": "caching", "terms": ["cache"]},
            "label": "NOT_MET",
        },
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = _cli(str(path), "--base-url", standin.base_url, "--model", "standin", "--json")
    out = json.loads(result.output)
    assert result.exit_code == 0 and out["agreement"] == 1.0 and out["kappa"] == 1.0
    table = _cli(str(path), "--base-url", standin.base_url, "--model", "standin", "--min-kappa", "0.9")
    assert table.exit_code == 0 and "Cohen's kappa: 1.000" in table.output and "confusion matrix" in table.output
    rows[1]["label"] = "MET"  # now the judge disagrees on one of two rows
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    low = _cli(str(path), "--base-url", standin.base_url, "--model", "standin", "--min-kappa", "0.5")
    assert low.exit_code == 1 and "below the required 0.5" in low.output
    down = _cli(str(path), "--base-url", dead_url, "--model", "m", "--attempts", "1", "--json")
    assert down.exit_code == 1 and json.loads(down.output)["errors"] == 2
    path.write_text('{"id": "a", "answer": "x"}\n')
    bad = _cli(str(path), "--base-url", standin.base_url, "--model", "m")
    assert bad.exit_code == 1 and "not a labeled row" in " ".join(bad.output.split())
