"""Calibrate a judge before trusting it: ``envgym judge-agreement``.

Runs a judge over labeled rows (answer, criterion, human verdict) and reports raw agreement,
Cohen's kappa and the confusion matrix. A JSON-lines file, one row per line:

    {"id": "r01", "task": "prompt the answer responds to", "answer": "...",
     "criterion": {"description": "...", "terms": ["..."]}, "label": "MET"}

Rows whose judgement fails (after the judge's retries) are counted as errors and left out of the
statistics; the command then exits 1, as it does when ``--min-kappa`` is not reached. A labeled
file written for this project ships as package data (``default_rows_path()``): 44 rows over the
rubric family's kinds of criteria, including answers that mention the right words but get the
point wrong, which a keyword matcher (such as the stand-in judge) gets wrong.

Example:
    >>> agreement_stats(["MET", "NOT_MET", "MET", "MET"], ["MET", "NOT_MET", "NOT_MET", "MET"]).agreement
    0.75
"""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from envgym.protocol.errors import GraderError
from envgym_graders.rubric.cache import JudgeCache
from envgym_graders.rubric.judge import Judge, JudgeConfig, JudgeEndpoint
from envgym_graders.rubric.model import LlmCriterion

if TYPE_CHECKING:
    import typer  # imported when the command is registered, not with the grader

LABELS = ("MET", "NOT_MET")


class LabeledCriterion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str = Field(min_length=1)
    terms: list[str] = Field(default_factory=list)


class LabeledRow(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    task: str = ""
    answer: str
    criterion: LabeledCriterion
    label: Literal["MET", "NOT_MET"]


def default_rows_path() -> Path:
    """The labeled file shipped with envgym-graders."""
    return Path(str(resources.files("envgym_graders.rubric") / "data" / "judge_agreement.jsonl"))


def load_rows(path: str | Path) -> list[LabeledRow]:
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(LabeledRow.model_validate_json(line))
        except ValidationError as exc:
            raise ValueError(f"{path}:{n}: not a labeled row: {exc}") from None
    ids = [r.id for r in rows]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: row ids must be unique")
    return rows


@dataclass
class AgreementStats:
    n: int
    agreement: float
    kappa: float  # NaN when undefined (both raters used a single class)
    confusion: dict[str, dict[str, int]]  # confusion[label][judge]


def agreement_stats(labels: list[str], predictions: list[str]) -> AgreementStats:
    """Raw agreement, Cohen's kappa and the confusion matrix of two raters over MET/NOT_MET."""
    if len(labels) != len(predictions):
        raise ValueError("labels and predictions differ in length")
    n = len(labels)
    confusion = {a: {b: 0 for b in LABELS} for a in LABELS}
    for a, b in zip(labels, predictions):
        confusion[a][b] += 1
    if n == 0:
        return AgreementStats(0, math.nan, math.nan, confusion)
    observed = sum(confusion[c][c] for c in LABELS) / n
    expected = sum((sum(confusion[c].values()) / n) * (sum(confusion[a][c] for a in LABELS) / n) for c in LABELS)
    kappa = math.nan if expected == 1 else (observed - expected) / (1 - expected)
    return AgreementStats(n, observed, kappa, confusion)


@dataclass
class RowResult:
    row: LabeledRow
    verdict: str | None
    reasoning: str = ""
    error: str | None = None


async def judge_rows(rows: list[LabeledRow], config: JudgeConfig) -> list[RowResult]:
    """One judgement per row (concurrently, within the judge's concurrency limit)."""
    judge = Judge(config, JudgeCache(config.cache_path))

    async def one(row: LabeledRow) -> RowResult:
        criterion = LlmCriterion(id=row.id, description=row.criterion.description, terms=row.criterion.terms)
        try:
            [verdict] = await judge.judge_all(row.task, [criterion], row.answer)
        except GraderError as exc:
            return RowResult(row, None, error=exc.message)
        return RowResult(row, "MET" if verdict.met else "NOT_MET", verdict.reasoning)

    return list(await asyncio.gather(*(one(r) for r in rows)))


def register(app: typer.Typer) -> None:
    """Entry point (``envgym.commands``): adds ``envgym judge-agreement`` to the CLI."""
    import typer
    from rich.table import Table

    from envgym.cli.app import console, fail

    @app.command("judge-agreement")
    def judge_agreement(
        file: Optional[Path] = typer.Argument(
            None, help="labeled JSON-lines file (default: the one shipped with envgym-graders)"
        ),
        base_url: str = typer.Option(
            ..., "--base-url", help="the judge's OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1"
        ),
        model: str = typer.Option(..., "--model", help="the judge's model name"),
        api_key_env: Optional[str] = typer.Option(
            None, "--api-key-env", help="NAME of the env var holding the API key"
        ),
        temperature: float = typer.Option(0.0, "--temperature"),
        samples: int = typer.Option(1, "--samples", help="votes per row (odd; majority decides)"),
        concurrency: int = typer.Option(8, "--concurrency"),
        timeout: float = typer.Option(60.0, "--timeout", help="seconds per judge call"),
        attempts: int = typer.Option(3, "--attempts", help="tries per judge call before it counts as an error"),
        min_kappa: Optional[float] = typer.Option(None, "--min-kappa", help="exit 1 if Cohen's kappa is below this"),
        show_rows: bool = typer.Option(False, "--rows", help="list every disagreement with the judge's reasoning"),
        as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
    ) -> None:
        """Measure how well a judge agrees with human labels (agreement, Cohen's kappa, confusion matrix)."""
        path = file or default_rows_path()
        try:
            rows = load_rows(path)
            config = JudgeConfig(
                judges=[JudgeEndpoint(base_url=base_url, model=model, api_key_env=api_key_env)],
                temperature=temperature,
                samples=samples,
                concurrency=concurrency,
                timeout_s=timeout,
                attempts=attempts,
                backoff_s=0.5,
            )
        except (ValueError, OSError) as exc:
            raise fail(str(exc))
        results = asyncio.run(judge_rows(rows, config))
        ok = [r for r in results if r.verdict is not None]
        errors = [r for r in results if r.verdict is None]
        stats = agreement_stats([r.row.label for r in ok], [r.verdict for r in ok])  # type: ignore[misc]
        disagreements = [r for r in ok if r.verdict != r.row.label]
        if as_json:
            console.print_json(
                json.dumps(
                    {
                        "file": str(path),
                        "model": model,
                        "rows": len(rows),
                        "judged": stats.n,
                        "errors": len(errors),
                        "agreement": stats.agreement,
                        "kappa": None if math.isnan(stats.kappa) else stats.kappa,
                        "confusion": stats.confusion,
                        "disagreements": [
                            {"id": r.row.id, "label": r.row.label, "judge": r.verdict} for r in disagreements
                        ],
                        "error_rows": [{"id": r.row.id, "error": r.error} for r in errors],
                    }
                )
            )
        else:
            kappa = "undefined" if math.isnan(stats.kappa) else f"{stats.kappa:.3f}"
            console.print(f"judge {model} at {base_url} on {path.name}: {stats.n} rows judged, {len(errors)} errors")
            console.print(f"agreement: {stats.agreement:.3f}   Cohen's kappa: {kappa}")
            table = Table(title="confusion matrix (rows: label, columns: judge)")
            table.add_column("label \\ judge")
            for c in LABELS:
                table.add_column(c, justify="right")
            for a in LABELS:
                table.add_row(a, *(str(stats.confusion[a][b]) for b in LABELS))
            console.print(table)
            if show_rows:
                for r in disagreements:
                    console.print(f"[yellow]{r.row.id}[/] label {r.row.label}, judge {r.verdict}: {r.reasoning[:200]}")
            for r in errors:
                console.print(f"[red]{r.row.id}[/] judge failed: {r.error}")
        if errors:
            raise typer.Exit(1)
        if min_kappa is not None and (math.isnan(stats.kappa) or stats.kappa < min_kappa):
            console.print(f"[red]Cohen's kappa is below the required {min_kappa}[/]")
            raise typer.Exit(1)
