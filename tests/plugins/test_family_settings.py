"""Each shipped family's and grader's settings model keeps the defaults the families had before
they were typed (issue 16), and the keys operators already use stay valid."""

from __future__ import annotations

import pytest

from envgym.kernel.context import EnvContext
from envgym.kernel.settings import check_settings
from envgym.protocol.errors import InvalidRequest


def test_reasoning_defaults_and_the_truthy_words_it_read() -> None:
    from envgym_reasoning.environment import PARTIAL_CREDIT, ReasoningSettings

    assert ReasoningSettings().partial_credit is False
    for value, expected in ((True, True), ("true", True), ("1", True), (1, True), (False, False), ("0", False)):
        assert EnvContext(settings={PARTIAL_CREDIT: value}).settings_for(ReasoningSettings).partial_credit is expected


def test_terminal_defaults_and_allow_internet_false_as_text_is_false() -> None:
    from envgym_terminal.environment import DEFAULT_COMMAND_TIMEOUT_S
    from envgym_terminal.runnable import internet_allowed
    from envgym_terminal.settings import DockerAliasSettings, TerminalSettings
    from envgym_terminal.workspace import image_aliases

    assert TerminalSettings() == TerminalSettings(tasks_dir=None, allow_internet=False, command_timeout_sec=None)
    assert DEFAULT_COMMAND_TIMEOUT_S == 600.0
    assert (
        internet_allowed(EnvContext(settings={"terminal.allow_internet": "false"})) is False
    )  # bool("false") was True
    assert internet_allowed(EnvContext(settings={"terminal.allow_internet": True})) is True
    assert DockerAliasSettings().from_aliases == {} and image_aliases(EnvContext()) == {}
    with pytest.raises(InvalidRequest, match=r"setting 'docker\.from_aliases': .*JSON object"):
        image_aliases(EnvContext(settings={"docker.from_aliases": "{not json"}))


def test_swe_defaults_are_the_old_defaults() -> None:
    from envgym_swe.settings import SweSettings

    s = SweSettings()
    assert (s.max_turns, s.agent_timeout_sec, s.command_timeout_sec, s.test_timeout_sec, s.memory_mb) == (
        100,
        3600.0,
        180.0,
        1800.0,
        4096,
    )
    assert (s.namespace, s.arch, s.images, s.profiles, s.instances) == ("swebench", "x86_64", None, None, None)


def test_web_defaults_are_the_old_defaults_and_a_bad_observation_is_refused_at_start() -> None:
    from envgym_web.settings import WebSettings

    s = WebSettings()
    assert (s.browsers, s.chromium_path, s.headless, s.chromium_args) == (1, None, True, [])
    assert (s.spare_contexts, s.context_reuses) == (4, 20)
    assert (s.observation, s.screenshots, s.max_obs_chars, s.action_timeout_ms) == ("axtree", False, 6000, 10_000)
    with pytest.raises(InvalidRequest, match=r"setting 'web\.observation': .*axtree"):
        check_settings({"web.observation": "pixels"})
    with pytest.raises(InvalidRequest, match="did you mean 'web.browsers'"):
        check_settings({"web.browser": 4})


def test_rubric_settings_fall_back_to_env_vars_and_refuse_a_mistyped_key() -> None:
    from envgym_graders.rubric.judge import JudgeConfig

    assert JudgeConfig.from_settings({}, environ={}) is None
    config = JudgeConfig.from_settings(
        {"rubric.judge_base_url": "http://j/v1", "rubric.judge_samples": 3}, environ={"ENVGYM_RUBRIC_JUDGE_MODEL": "m"}
    )
    assert config is not None and (config.judges[0].model, config.samples, config.max_tokens) == ("m", 3, 512)
    with pytest.raises(InvalidRequest, match="did you mean 'rubric.judge_base_url'"):
        check_settings({"rubric.judge_baseurl": "http://j/v1"})


def test_every_key_the_docs_name_is_still_valid() -> None:
    check_settings(
        {
            "reasoning.partial_credit": True,
            "terminal.tasks_dir": "mine=/data/tasks",
            "terminal.allow_internet": True,
            "terminal.command_timeout_sec": 60,
            "docker.from_aliases": {"python:3.13": "envgym-base:bookworm"},
            "swe.instances": ["a.jsonl"],
            "swe.images": "images.json",
            "swe.profiles": "profiles.json",
            "swe.max_turns": 50,
            "web.chromium_args": ["--no-sandbox"],
            "web.spare_contexts": 0,
            "web.context_reuses": 1,
            "rubric.judge_base_url": "http://127.0.0.1:8001/v1",
            "rubric.judges": [{"base_url": "http://a/v1", "model": "m"}],
            "step_timeout_s": 30,
        }
    )
