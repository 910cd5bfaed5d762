"""The LLM judge: any OpenAI-compatible chat-completions endpoint (``vllm serve``, hosted APIs).

One ``Judge`` is shared by every grading that uses the same configuration (``get_judge``), so its
verdict cache and its concurrency limit are too. For each ``llm`` criterion it asks every
configured judge ``samples`` times (majority vote when that makes more than one vote; the total
must be odd so there are no ties) with the fixed template of ``templates.py``.

Failure handling (docs/architecture.md §7: never a silent 0): a call that times out, cannot connect, gets a
5xx/429, returns a body that is not a chat completion, refuses, or has no parseable verdict is
retried with exponential backoff (``backoff_s * 2**attempt``); when the attempts are used up the
judgement raises ``GraderError`` whose message names the failure (``timed out``, ``unreachable``,
``HTTP 503``, ``bad response``, ``refused``, ``unparseable verdict``) and whose details carry
``judge_failure``. Other 4xx (bad key, unknown model) are configuration errors and fail at once.

Example:
    >>> cfg = JudgeConfig(judges=[JudgeEndpoint(base_url="http://127.0.0.1:8001/v1", model="qwen")])
    >>> cfg.total_votes
    1
"""

from __future__ import annotations

import asyncio
import functools
import os
import ssl
import weakref
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import httpx
from pydantic import BaseModel, ConfigDict, Field, model_validator

from envgym.kernel.settings import Settings, read_settings
from envgym.protocol.errors import GraderError
from envgym_graders.rubric.cache import JudgeCache, cache_key
from envgym_graders.rubric.model import CriterionVerdict, LlmCriterion
from envgym_graders.rubric.templates import TEMPLATE_VERSION, ParsedVerdict, build_messages, parse_verdict


class JudgeEndpoint(BaseModel):
    """One judge: where it is served, the model name, and the NAME of the env var holding its API key."""

    model_config = ConfigDict(extra="forbid")
    base_url: str = Field(min_length=1)
    model: str = Field(min_length=1)
    api_key_env: str | None = None


class JudgeConfig(BaseModel):
    """How to judge. ``judges`` x ``samples`` votes per criterion; ``concurrency`` caps in-flight calls."""

    model_config = ConfigDict(extra="forbid")
    judges: list[JudgeEndpoint] = Field(min_length=1)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(default=512, ge=1)
    samples: int = Field(default=1, ge=1, le=15)
    concurrency: int = Field(default=8, ge=1)
    timeout_s: float = Field(default=60.0, gt=0)
    attempts: int = Field(default=3, ge=1, le=10)
    backoff_s: float = Field(default=1.0, ge=0)
    cache_path: str | None = None

    @model_validator(mode="after")
    def _odd_votes(self) -> "JudgeConfig":
        if self.total_votes % 2 == 0:
            raise ValueError(
                f"judges x samples = {self.total_votes} votes; use an odd number so the majority is never a tie"
            )
        return self

    @property
    def total_votes(self) -> int:
        return len(self.judges) * self.samples

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> "JudgeConfig | None":
        """Build from ``rubric.judge_*`` settings (``RubricSettings``), falling back to
        ``ENVGYM_RUBRIC_JUDGE_*`` env vars. ``rubric.judges`` (a list of endpoint dicts) configures
        several judges. None if no judge is set."""
        environ = os.environ if environ is None else environ
        given = read_settings(settings, RubricSettings)

        def get(name: str) -> Any:
            value = getattr(given, f"judge_{name}")
            return value if value is not None else environ.get(f"ENVGYM_RUBRIC_JUDGE_{name.upper()}")

        judges: list[Any] | None = given.judges
        if not judges:
            base_url, model = get("base_url"), get("model")
            if not base_url:
                return None
            judges = [{"base_url": base_url, "model": model or "", "api_key_env": get("api_key_env")}]
        values = {name: get(name) for name in cls.model_fields if name != "judges"}
        return cls(judges=judges, **{k: v for k, v in values.items() if v not in (None, "")})


class RubricSettings(Settings):
    """The rubric grader's host settings (``--set rubric.judge_base_url=...``); each judge_* one
    unset falls back to the env var ``ENVGYM_RUBRIC_JUDGE_<NAME>``, then to ``JudgeConfig``'s default."""

    prefix: ClassVar[str] = "rubric"
    judges: list[JudgeEndpoint] | None = Field(
        default=None, description="several judges: [{base_url, model, api_key_env}]"
    )
    judge_base_url: str | None = Field(default=None, description="the judge's OpenAI-compatible endpoint (…/v1)")
    judge_model: str | None = Field(default=None, description="the judge's model name")
    judge_api_key_env: str | None = Field(default=None, description="the NAME of the env var holding its API key")
    judge_temperature: float | None = Field(default=None, description="sampling temperature (default 0)")
    judge_max_tokens: int | None = Field(default=None, description="tokens per verdict (default 512)")
    judge_samples: int | None = Field(default=None, description="votes per judge and criterion (default 1)")
    judge_concurrency: int | None = Field(default=None, description="judge calls in flight (default 8)")
    judge_timeout_s: float | None = Field(default=None, description="seconds per call (default 60)")
    judge_attempts: int | None = Field(default=None, description="tries per call (default 3)")
    judge_backoff_s: float | None = Field(default=None, description="first retry delay, doubled each time (default 1)")
    judge_cache_path: str | None = Field(default=None, description="a file caching verdicts across runs")


@functools.lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~10-200 ms; one context serves every client (one client per answer graded).
    return ssl.create_default_context()


class JudgeCallFailed(Exception):
    def __init__(self, kind: str, detail: str, retryable: bool = True) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail, self.retryable = kind, detail, retryable


@dataclass
class _LoopState:
    semaphore: asyncio.Semaphore
    inflight: dict[str, asyncio.Future[tuple[bool, str]]] = field(default_factory=dict)


class Judge:
    """Judges ``llm`` criteria. ``calls`` counts HTTP requests sent, ``cache_hits`` verdicts served from the cache."""

    def __init__(self, config: JudgeConfig, cache: JudgeCache | None = None) -> None:
        self.config = config
        self.cache = cache if cache is not None else JudgeCache(config.cache_path)
        self.calls = 0
        self.cache_hits = 0
        self._loops: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState]" = weakref.WeakKeyDictionary()

    def _state(self) -> _LoopState:
        # asyncio primitives belong to one loop; a Judge is shared across loops (sync facades, tests).
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            state = self._loops[loop] = _LoopState(asyncio.Semaphore(self.config.concurrency))
        return state

    async def judge_all(self, task_prompt: str, criteria: list[LlmCriterion], answer: str) -> list[CriterionVerdict]:
        """Verdicts for ``criteria`` on one answer, judged concurrently; raises ``GraderError`` on failure."""
        if not criteria:
            return []
        async with httpx.AsyncClient(timeout=httpx.Timeout(self.config.timeout_s), verify=_ssl_context()) as client:
            results = await asyncio.gather(
                *(self._judge_one(client, task_prompt, c, answer) for c in criteria), return_exceptions=True
            )
        return _raise_first(results)

    async def _judge_one(
        self, client: httpx.AsyncClient, task_prompt: str, criterion: LlmCriterion, answer: str
    ) -> CriterionVerdict:
        jobs = [(endpoint, sample) for endpoint in self.config.judges for sample in range(self.config.samples)]
        # Wait for every vote even when one fails, so no call outlives the HTTP client of this grading.
        outcomes = await asyncio.gather(
            *(self._vote(client, e, s, task_prompt, criterion, answer) for e, s in jobs), return_exceptions=True
        )
        try:
            votes = _raise_first(outcomes)
        except JudgeCallFailed as exc:
            raise GraderError(
                f"judging criterion {criterion.id!r} failed: {exc.detail}",
                details={"judge_failure": exc.kind, "criterion": criterion.id},
            ) from None
        met_votes = [met for met, _, _ in votes]
        met = sum(met_votes) * 2 > len(met_votes)
        if len(votes) == 1:
            reasoning = votes[0][1]
        else:
            reasoning = "\n".join(
                f"[{e.model} #{s}] {'MET' if m else 'NOT_MET'}: {r}" for (e, s), (m, r, _) in zip(jobs, votes)
            )
        return CriterionVerdict(
            criterion_id=criterion.id,
            met=met,
            reasoning=reasoning,
            votes=met_votes if len(votes) > 1 else None,
            cached=all(c for _, _, c in votes),
        )

    async def _vote(
        self,
        client: httpx.AsyncClient,
        endpoint: JudgeEndpoint,
        sample: int,
        task_prompt: str,
        criterion: LlmCriterion,
        answer: str,
    ) -> tuple[bool, str, bool]:
        key = cache_key(
            endpoint.model, TEMPLATE_VERSION, task_prompt, criterion.description, criterion.terms, answer, sample
        )
        hit = self.cache.get(key)
        if hit is not None:
            self.cache_hits += 1
            return hit[0], hit[1], True
        state = self._state()
        pending = state.inflight.get(key)
        if pending is not None:  # the same judgement is already being asked for: share its answer
            self.cache_hits += 1
            met, reasoning = await asyncio.shield(pending)
            return met, reasoning, True
        future: asyncio.Future[tuple[bool, str]] = asyncio.get_running_loop().create_future()
        state.inflight[key] = future
        try:
            messages = build_messages(task_prompt, criterion.description, criterion.terms, answer)
            parsed = await self._call_with_retries(client, endpoint, messages, sample, answer)
            assert parsed.met is not None
            self.cache.put(key, parsed.met, parsed.reasoning)
            future.set_result((parsed.met, parsed.reasoning))
            return parsed.met, parsed.reasoning, False
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        finally:
            state.inflight.pop(key, None)

    async def _call_with_retries(
        self,
        client: httpx.AsyncClient,
        endpoint: JudgeEndpoint,
        messages: list[dict[str, str]],
        sample: int,
        answer: str,
    ) -> ParsedVerdict:
        where = f"judge {endpoint.model!r} at {endpoint.base_url}"
        for attempt in range(self.config.attempts):
            try:
                return await self._call_once(client, endpoint, messages, sample, answer)
            except JudgeCallFailed as exc:
                last = attempt + 1 == self.config.attempts
                if not exc.retryable or last:
                    tries = f"after {attempt + 1} attempt{'s' if attempt else ''}"
                    raise JudgeCallFailed(exc.kind, f"{where} {exc.detail} ({tries})", False) from None
                await asyncio.sleep(self.config.backoff_s * 2**attempt)
        raise AssertionError("unreachable")

    async def _call_once(
        self,
        client: httpx.AsyncClient,
        endpoint: JudgeEndpoint,
        messages: list[dict[str, str]],
        sample: int,
        answer: str,
    ) -> ParsedVerdict:
        headers = {}
        if endpoint.api_key_env:
            key = os.environ.get(endpoint.api_key_env)
            if not key:
                raise JudgeCallFailed(
                    "configuration",
                    f"needs an API key in the environment variable {endpoint.api_key_env}, which is not set",
                    False,
                )
            headers["Authorization"] = f"Bearer {key}"
        body: dict[str, Any] = {
            "model": endpoint.model,
            "messages": messages,
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_tokens,
        }
        if self.config.samples > 1:
            body["seed"] = sample  # distinct samples at temperature > 0, reproducible where the server honours seeds
        url = endpoint.base_url.rstrip("/") + "/chat/completions"
        async with self._state().semaphore:
            self.calls += 1
            try:
                response = await client.post(url, json=body, headers=headers)
            except httpx.TimeoutException:
                raise JudgeCallFailed("timeout", f"timed out after {self.config.timeout_s:g}s") from None
            except httpx.TransportError as exc:
                raise JudgeCallFailed("unreachable", f"is unreachable ({type(exc).__name__}: {exc})") from None
        if response.status_code != 200:
            retryable = response.status_code == 429 or response.status_code >= 500 or response.status_code == 408
            raise JudgeCallFailed(
                "http_error", f"answered HTTP {response.status_code}: {response.text[:300]}", retryable
            )
        try:
            choice = response.json()["choices"][0]
            message = choice["message"]
            content = message.get("content") or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise JudgeCallFailed(
                "bad_response", f"sent a bad response (not a chat completion): {response.text[:300]!r}"
            ) from None
        if choice.get("finish_reason") == "content_filter" or message.get("refusal"):
            raise JudgeCallFailed("refused", f"refused to judge: {(message.get('refusal') or content)[:300]!r}")
        parsed = parse_verdict(content, answer)
        if parsed.met is None:
            if parsed.refused:
                raise JudgeCallFailed("refused", f"refused to judge: {content[:300]!r}")
            cut = (
                " (the reply was cut at max_tokens; raise rubric.judge_max_tokens)"
                if choice.get("finish_reason") == "length"
                else ""
            )
            raise JudgeCallFailed(
                "unparseable", f"gave an unparseable verdict (no 'VERDICT: MET|NOT_MET' line){cut}: {content[:300]!r}"
            )
        return parsed


def _raise_first(results: list[Any]) -> list[Any]:
    for item in results:
        if isinstance(item, BaseException):
            raise item
    return results


_JUDGES: dict[str, Judge] = {}


def get_judge(config: JudgeConfig) -> Judge:
    """The process-wide ``Judge`` for ``config`` (so its cache and concurrency limit are shared)."""
    key = config.model_dump_json()
    judge = _JUDGES.get(key)
    if judge is None:
        judge = _JUDGES[key] = Judge(config)
    return judge
