"""The terminal verifier's rules as plain functions, without a sandbox: how a reward file is read and
bounded, how the grade and its components are built, where the verifier's files go and what
environment the check gets. The sandboxed behaviour is in test_integrity_verifier.py."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from envgym.sandbox.base import SandboxSpec
from envgym.sandbox.runner import BASE_ENV
from envgym_terminal import bundle
from envgym_terminal.verifier import (
    SITECUSTOMIZE,
    Layout,
    RewardError,
    VerifierRun,
    _tail,
    build_area,
    normalise,
    parse_reward_json,
    parse_reward_txt,
    scalar_of,
)

# ---------------------------------------------------------------- reward.txt


def test_reward_txt_is_one_finite_number_surrounded_by_any_blank():
    assert parse_reward_txt(" 0.25\n") == 0.25
    assert parse_reward_txt("1") == 1.0


@pytest.mark.parametrize("text", ["", " \n\t"])
def test_an_empty_reward_txt_is_an_error_naming_the_file(text):
    with pytest.raises(RewardError, match=r"^/x/reward\.txt is empty$"):
        parse_reward_txt(text, "/x/reward.txt")


def test_reward_txt_that_is_not_a_number_is_an_error_quoting_at_most_80_characters():
    with pytest.raises(RewardError) as caught:
        parse_reward_txt("passed " + "x" * 200)
    assert str(caught.value) == f"reward.txt does not hold a number: {('passed ' + 'x' * 73)!r}"  # cut at 80


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e999"])
def test_a_non_finite_reward_txt_is_an_error(text):
    with pytest.raises(RewardError, match=rf"^here holds a non-finite number: '{text}'$"):
        parse_reward_txt(text, "here")


def test_a_non_finite_value_is_quoted_at_most_80_characters():
    with pytest.raises(RewardError) as caught:
        parse_reward_txt("  " + "9" * 400 + "  ")  # overflows to inf
    assert str(caught.value) == f"reward.txt holds a non-finite number: {'9' * 80!r}"


# ---------------------------------------------------------------- reward.json


def test_reward_json_is_a_non_empty_object_of_named_finite_numbers_as_floats():
    named = parse_reward_json('{"reward": 1, "style": 0.5}')
    assert named == {"reward": 1.0, "style": 0.5}
    assert all(type(v) is float for v in named.values())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "w is empty"),
        ("  \n", "w is empty"),
        ("{", "w is not valid JSON: Expecting property name enclosed in double quotes"),
        ("[1]", "w must be a non-empty JSON object of named numbers"),
        ("{}", "w must be a non-empty JSON object of named numbers"),
        ("1", "w must be a non-empty JSON object of named numbers"),
        ('{"ok": true}', "w: 'ok' is not a finite number (True)"),
        ('{"r": "1"}', "w: 'r' is not a finite number (1)"),
        ('{"r": null}', "w: 'r' is not a finite number (None)"),
        ('{"r": NaN}', "w: 'r' is not a finite number (nan)"),
        ('{"r": -Infinity}', "w: 'r' is not a finite number (nan)"),
        ('{"r": 1e999}', "w: 'r' is not a finite number (inf)"),
        ('{"r": "' + "y" * 300 + '"}', f"w: 'r' is not a finite number ({'y' * 80})"),
    ],
)
def test_unusable_reward_json_is_an_error_that_says_why(text, message):
    with pytest.raises(RewardError) as caught:
        parse_reward_json(text, "w")
    assert str(caught.value) == message


def test_reward_json_errors_name_reward_json_by_default():
    with pytest.raises(RewardError, match=r"^reward\.json is empty$"):
        parse_reward_json("")


def test_the_primary_reward_is_the_reward_key_else_the_only_key():
    assert scalar_of({"style": 1.0, "reward": 0.5}, "f") == 0.5
    assert scalar_of({"accuracy": 0.75}, "f") == 0.75
    with pytest.raises(RewardError) as caught:
        scalar_of({"a": 1.0, "b": 0.0}, "f")
    assert str(caught.value) == (
        "f has 2 metrics and no 'reward' key, so it names no reward "
        "(Harbor takes the 'reward' key, or the only key); add 'reward' or write reward.txt"
    )


# ---------------------------------------------------------------- bounds


def test_a_reward_in_range_is_mapped_to_0_1():
    assert normalise(0.0, "f") == 0.0
    assert normalise(1.0, "f") == 1.0
    assert normalise(0.5, "f") == 0.5
    assert normalise(50.0, "f", 0.0, 100.0) == 0.5
    assert normalise(-1.0, "f", -1.0, 3.0) == 0.0
    assert normalise(3.0, "f", -1.0, 3.0) == 1.0
    assert normalise(1.0, "f", -1.0, 3.0) == 0.5
    assert normalise(7.5, "f", 5.0, 10.0) == 0.5


def test_float_noise_at_a_bound_is_clamped_and_anything_more_is_an_error():
    noise = 5e-10  # under the 1e-9 of float noise a bound tolerates
    assert normalise(1.0 + noise, "f") == 1.0
    assert normalise(-noise, "f") == 0.0
    assert normalise(100.0 + noise, "f", 0.0, 100.0) == 1.0
    assert normalise(-1e-9, "f") == 0.0 and normalise(1.0 + 1e-9, "f") == 1.0  # the slack's edge is inside
    for value in (1.0 + 2e-9, -2e-9, 5.0, -3.0):
        with pytest.raises(RewardError):
            normalise(value, "f")


def test_out_of_range_messages_name_the_file_the_value_and_the_range():
    with pytest.raises(RewardError) as caught:
        normalise(5.0, "reward.txt")
    assert str(caught.value) == "reward.txt: 5 is outside [0, 1] [0, 1]"
    with pytest.raises(RewardError) as caught:
        normalise(-3.0, "reward.txt")
    assert str(caught.value) == "reward.txt: -3 is outside [0, 1] [0, 1]"
    with pytest.raises(RewardError) as caught:
        normalise(101.0, "reward.json", 0.0, 100.0)
    assert str(caught.value) == "reward.json: 101 is outside the range the task declares [0, 100]"
    with pytest.raises(RewardError) as caught:
        normalise(-0.5, "r", 0.0, 1.0)
    assert str(caught.value) == "r: -0.5 is outside [0, 1] [0, 1]"


def test_only_a_range_other_than_0_1_is_called_declared():
    with pytest.raises(RewardError, match="the range the task declares"):
        normalise(2.0, "f", 0.0, 1.5)
    with pytest.raises(RewardError, match="the range the task declares"):
        normalise(2.0, "f", 0.5, 1.0)


# ---------------------------------------------------------------- the check's output


def test_output_is_kept_whole_up_to_the_limit_then_its_tail_with_a_count():
    assert _tail("abc", 3) == "abc"
    assert _tail("abcd", 3) == "[... 1 characters omitted ...]\nbcd"
    assert _tail("x" * 8000) == "x" * 8000  # the check's last 8000 characters are kept
    assert _tail("y" + "x" * 8000) == "[... 1 characters omitted ...]\n" + "x" * 8000


# ---------------------------------------------------------------- where the files go


def test_each_grading_has_fresh_unguessable_names():
    a, b = Layout(root="/r"), Layout(root="/r")
    names = [a.tests, a.logs, a.rewards, a.tools, b.tests, b.logs, b.rewards, b.tools]
    assert len(set(names)) == len(names)
    assert all(len(n) >= 32 for n in names)


def test_harbors_fixed_paths_map_into_the_layout():
    layout = Layout(root="/area", tests="T", logs="L", rewards="R", tools="X")
    assert layout.path("T", "a", "b") == "/area/T/a/b"
    assert layout.mapping() == {
        "/logs/verifier/reward.txt": "/area/R/reward.txt",
        "/logs/verifier/reward.json": "/area/R/reward.json",
        "/logs/verifier": "/area/L/verifier",
        "/tests": "/area/T",
    }
    assert layout.reward_files() == [
        ("reward.txt", "/area/R/reward.txt"),
        ("reward.json", "/area/R/reward.json"),
        ("reward.txt", "/area/L/verifier/reward.txt"),
        ("reward.json", "/area/L/verifier/reward.json"),
    ]


def test_the_area_holds_the_tests_but_never_test_sh(tmp_path: Path):
    tests = tmp_path / "tests"
    (tests / "sub").mkdir(parents=True)
    (tests / "test.sh").write_text("echo 1 > /logs/verifier/reward.txt\n")
    (tests / "sub" / "test_x.py").write_text("def test(): pass\n")
    layout = Layout(root="/area", tests="T", logs="L", rewards="R", tools="X")
    area, test_sh = build_area(layout, bundle.unpack_rewritten(bundle.pack_dir(tests), layout.mapping()))
    assert test_sh == "echo 1 > /area/R/reward.txt\n"
    with tarfile.open(fileobj=io.BytesIO(area), mode="r:gz") as tar:
        members = {m.name: m for m in tar.getmembers()}
        contents = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
    assert not any(name.endswith("test.sh") for name in members)
    assert contents["pytest.ini"].startswith(b"[pytest]\n") and members["pytest.ini"].mode == 0o644
    assert contents["pytest.ini"].endswith(b"\naddopts = -p no:cacheprovider\n")
    assert contents["T/sub/test_x.py"] == b"def test(): pass\n" and members["T/sub/test_x.py"].uname == ""
    assert members["T"].isdir() and members["T"].mode == 0o755 and members["T"].uname == ""
    for name in ("L", "L/verifier", "L/agent", "R"):  # the only places the check may write: the sandbox's user's
        assert members[name].isdir() and members[name].mode == 0o700 and members[name].uname == "sandbox", name
    assert members["X"].isdir() and members["X"].mode == 0o755 and members["X"].uname == ""
    assert members["X/git"].mode == 0o755 and contents["X/git"].startswith(b"#!")
    assert members["X/py"].isdir()
    assert (
        contents["X/py/sitecustomize.py"] == SITECUSTOMIZE.encode() and members["X/py/sitecustomize.py"].mode == 0o644
    )


def _tests_archive(*members: tuple[str, bytes | None, str | None]) -> bytes:
    """A gzip tests archive holding ``(name, data, link target)`` in this order (a file when data is
    given, else a symbolic link)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data, target in members:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type, info.linkname = tarfile.SYMTYPE, target or ""
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _area_members(area: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(area), mode="r:gz") as tar:
        return {m.name: m for m in tar.getmembers()}


def test_the_tests_after_test_sh_in_the_archive_are_all_installed():
    layout = Layout(root="/area", tests="T")
    area, test_sh = build_area(
        layout, _tests_archive(("test.sh", b"pytest\n", None), ("test_a.py", b"", None), ("test_b.py", b"", None))
    )
    assert test_sh == "pytest\n"
    assert {"T/test_a.py", "T/test_b.py"} <= set(_area_members(area))


def test_without_test_sh_the_script_is_empty():
    assert build_area(Layout(root="/area"), _tests_archive(("test_a.py", b"", None)))[1] == ""


def test_a_test_sh_that_is_not_utf8_is_read_with_replacement_characters():
    assert build_area(Layout(root="/area"), _tests_archive(("test.sh", b"echo \xff\n", None)))[1] == "echo \ufffd\n"


def test_a_symbolic_link_among_the_tests_is_installed_as_a_link_even_if_its_target_is_elsewhere():
    layout = Layout(root="/area", tests="T")
    area, _ = build_area(layout, _tests_archive(("data", None, "/srv/shared/data"), ("test.sh", b"", None)))
    link = _area_members(area)["T/data"]
    assert link.issym() and link.linkname == "/srv/shared/data"


class _Box:
    """Just what VerifierRun._env reads of a sandbox."""

    def __init__(self, env: dict[str, str]) -> None:
        self.spec = SandboxSpec(env=env)


def _run(reward_range: tuple[float, float] | None = None, env: dict[str, str] | None = None) -> VerifierRun:
    return VerifierRun("", "/app", 30, env or {}, reward_range)


def test_the_checks_environment_puts_envgyms_tools_first_and_turns_user_config_off():
    layout = Layout(root="/area", tools="X")
    env = _run(env={"FOO": "1", "PYTHONPATH": "/lib"})._env(_Box({"PATH": "/box/bin"}), layout)  # type: ignore[arg-type]
    assert env == {
        "FOO": "1",
        "PATH": "/area/X:/box/bin",
        "PYTHONPATH": "/area/X/py:/lib",
        "PYTHONNOUSERSITE": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "UV_NO_CONFIG": "1",
        "PIP_CONFIG_FILE": "/dev/null",
    }


def test_the_checks_path_is_the_tasks_else_the_sandboxs_else_the_base_one():
    layout = Layout(root="/area", tools="X")
    assert _run(env={"PATH": "/task"})._env(_Box({"PATH": "/box"}), layout)["PATH"] == "/area/X:/task"  # type: ignore[arg-type]
    assert _run()._env(_Box({}), layout)["PATH"] == f"/area/X:{BASE_ENV['PATH']}"  # type: ignore[arg-type]
    assert _run()._env(_Box({}), layout)["PYTHONPATH"] == "/area/X/py"  # type: ignore[arg-type]


# ---------------------------------------------------------------- the grade


def test_no_reward_file_is_an_error_with_the_exit_code():
    with pytest.raises(RewardError) as caught:
        _run()._grade_from_files([], {"exit_code": 7})
    assert str(caught.value) == (
        "tests/test.sh (exit code 7) wrote no reward file: it must write "
        "/logs/verifier/reward.txt or reward.json, 0 when the check fails"
    )


def test_a_pass_is_a_reward_of_one_and_nothing_less():
    full = _run()._grade_from_files([("reward.txt", "1")], {"exit_code": 0})
    assert (full.reward, full.passed, full.status) == (1.0, True, "ok")
    assert [(c.name, c.reward, c.passed) for c in full.components] == [("reward", 1.0, True)]
    assert full.details == {"exit_code": 0, "reward_file": "reward.txt"}
    almost = _run()._grade_from_files([("reward.txt", "0.999")], {"exit_code": 0})
    assert (almost.reward, almost.passed) == (0.999, False)
    assert [(c.name, c.passed) for c in almost.components] == [("reward", False)]


def test_reward_txt_wins_and_reward_json_metrics_become_components():
    grade = _run()._grade_from_files(
        [("reward.txt", "0"), ("reward.json", '{"reward": 1, "style": 1, "speed": 0.5}')], {"exit_code": 0}
    )
    assert (grade.reward, grade.passed) == (0.0, False)
    assert [(c.name, c.reward, c.passed) for c in grade.components] == [
        ("reward", 0.0, False),
        ("style", 1.0, True),
        ("speed", 0.5, False),
    ]
    assert grade.details["reward_file"] == "reward.txt"


def test_reward_json_alone_gives_the_reward_and_its_metrics():
    grade = _run()._grade_from_files([("reward.json", '{"style": 0.5, "reward": 1}')], {"exit_code": 0})
    assert (grade.reward, grade.passed, grade.details["reward_file"]) == (1.0, True, "reward.json")
    assert [(c.name, c.reward, c.passed) for c in grade.components] == [("style", 0.5, False), ("reward", 1.0, True)]
    single = _run()._grade_from_files([("reward.json", '{"accuracy": 1}')], {"exit_code": 0})
    assert [(c.name, c.reward, c.passed) for c in single.components] == [("reward", 1.0, True), ("accuracy", 1.0, True)]


def test_a_declared_range_is_normalised_everywhere_and_the_raw_reward_kept():
    grade = _run((0.0, 10.0))._grade_from_files(
        [("reward.txt", "10"), ("reward.json", '{"style": 5, "speed": 10}')], {"exit_code": 0}
    )
    assert (grade.reward, grade.passed, grade.details["raw_reward"]) == (1.0, True, 10.0)
    assert [(c.name, c.reward, c.passed) for c in grade.components] == [
        ("reward", 1.0, True),
        ("style", 0.5, False),
        ("speed", 1.0, True),
    ]
    assert "raw_reward" not in _run((0.0, 1.0))._grade_from_files([("reward.txt", "1")], {"exit_code": 0}).details


def test_the_reward_file_is_named_in_the_errors_about_its_reward():
    with pytest.raises(RewardError, match=r"^reward\.txt: 5 is outside \[0, 1\]"):
        _run()._grade_from_files([("reward.txt", "5")], {"exit_code": 0})
    with pytest.raises(RewardError, match=r"^reward\.json has 2 metrics and no 'reward' key"):
        _run()._grade_from_files([("reward.json", '{"a": 1, "b": 0}')], {"exit_code": 0})


def test_a_metric_outside_the_range_is_an_error_naming_it():
    with pytest.raises(RewardError) as caught:
        _run()._grade_from_files([("reward.txt", "1"), ("reward.json", '{"style": 2}')], {"exit_code": 0})
    assert str(caught.value) == "reward.json: 'style': 2 is outside [0, 1] [0, 1]"
