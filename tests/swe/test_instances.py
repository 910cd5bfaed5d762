"""Loading SWE-bench / SWE-Gym / SWE-smith instance files, per-row errors, image names, the
protected-path rules and the own suite's consistency — all without Docker."""

from __future__ import annotations

import json
import subprocess

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from envgym.kernel.context import EnvContext
from envgym_swe import images, parsers, protect, suites
from envgym_swe.environment import SweEnvironment, own_suite
from envgym_swe.instances import load_path, parse_rows

BASE = "a" * 40


def row(**over):
    r = {
        "instance_id": "owner__repo-1",
        "repo": "owner/repo",
        "base_commit": BASE,
        "problem_statement": "fix it",
        "patch": "diff --git a/x.py b/x.py\n",
        "test_patch": "",
        "FAIL_TO_PASS": '["t::a"]',
        "PASS_TO_PASS": '["t::b"]',
        "version": "1.0",
        "environment_setup_commit": BASE,
        "test_cmd": "pytest -rA",
        "log_parser": "parse_log_pytest",
    }
    r.update(over)
    return {k: v for k, v in r.items() if v is not ...}


def write_jsonl(path, rows, extra_lines=()):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "".join(extra_lines))
    return path


def test_json_encoded_and_real_lists_load():
    loaded = parse_rows(
        [row(), row(instance_id="owner__repo-2", FAIL_TO_PASS=["t::a"], PASS_TO_PASS=[], protect=["Makefile"])], "f"
    )
    assert [i.fail_to_pass for i in loaded.instances] == [["t::a"], ["t::a"]]
    assert loaded.instances[0].pass_to_pass == ["t::b"] and not loaded.skipped
    assert loaded.instances[1].protect == ["Makefile"] and loaded.instances[0].protect == []


@pytest.mark.parametrize(
    "bad, reason",
    [
        (dict(repo=...), "missing field(s): repo"),
        (dict(base_commit=...), "missing field(s): base_commit (a SWE-smith row has image_name"),
        (dict(base_commit="not-a-sha"), "is not a commit hash"),
        (dict(FAIL_TO_PASS="[not json"), "FAIL_TO_PASS is a string but not a JSON list"),
        (dict(FAIL_TO_PASS=[1, 2]), "FAIL_TO_PASS must be a list of test names"),
        (dict(FAIL_TO_PASS="[]"), "FAIL_TO_PASS is empty"),
        (dict(instance_id="../../etc"), "has characters other than"),
        (dict(eval_type="fail_only"), "records only failures"),
        (dict(workdir="relative/dir"), "must be an absolute path"),
        (dict(patch=7), "patch must be a string"),
    ],
)
def test_malformed_row_is_skipped_with_its_reason_and_the_rest_load(tmp_path, bad, reason):
    path = write_jsonl(
        tmp_path / "i.jsonl", [row(instance_id="good__one-1"), row(**bad), row(instance_id="good__two-2")]
    )
    loaded = load_path(path)
    assert [i.instance_id for i in loaded.instances] == ["good__one-1", "good__two-2"]
    assert len(loaded.skipped) == 1 and reason in loaded.skipped[0].reason
    assert loaded.skipped[0].source == f"{path} line 2"


def test_bad_json_line_and_duplicates(tmp_path):
    path = write_jsonl(tmp_path / "i.jsonl", [row(), row()], extra_lines=["{not json\n", "[1, 2]\n"])
    loaded = load_path(path)
    reasons = sorted(s.reason for s in loaded.skipped)
    assert len(loaded.instances) == 1
    assert any("appears again" in r for r in reasons) and any("not valid JSON" in r for r in reasons)
    assert any("must be a JSON object" in r for r in reasons)


def test_parquet_file_as_the_hub_ships_it(tmp_path):
    rows = [row(), row(instance_id="owner__repo-2", FAIL_TO_PASS='["t::c"]')]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "test-00000-of-00001.parquet")
    loaded = load_path(tmp_path)  # a directory of instance files
    assert [i.fail_to_pass for i in loaded.instances] == [["t::a"], ["t::c"]]


def test_parquet_list_columns(tmp_path):
    rows = [row(FAIL_TO_PASS=["t::a"], PASS_TO_PASS=["t::b", "t::c"])]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "i.parquet")
    assert load_path(tmp_path / "i.parquet").instances[0].pass_to_pass == ["t::b", "t::c"]


def test_damaged_file_is_one_skipped_entry(tmp_path):
    (tmp_path / "x.parquet").write_bytes(b"PAR1 not really")
    loaded = load_path(tmp_path / "x.parquet")
    assert not loaded.instances and "cannot be read" in loaded.skipped[0].reason


def test_json_forms(tmp_path):
    (tmp_path / "list.json").write_text(json.dumps([row()]))
    (tmp_path / "keyed.json").write_text(json.dumps({"x": row(instance_id="owner__repo-9")}))
    assert sorted(i.instance_id for i in load_path(tmp_path).instances) == ["owner__repo-1", "owner__repo-9"]


def test_swesmith_row():
    smith = {
        "instance_id": "pallets__flask.bc098406.func_pm_op_swap__abc",
        "repo": "swesmith/pallets__flask.bc098406",
        "patch": "diff --git a/src/a.py b/src/a.py\n",
        "FAIL_TO_PASS": ["tests/test_a.py::test_x"],
        "PASS_TO_PASS": [],
        "image_name": "swebench/swesmith.x86_64.pallets_1776_flask.bc098406",
        "problem_statement": "broken",
    }
    inst = parse_rows([smith], "f").instances[0]
    assert inst.form == "swesmith" and inst.base_commit is None and inst.image == smith["image_name"]


def test_image_names_follow_swebench():
    assert images.swebench_image_name("sympy__sympy-20590") == "swebench/sweb.eval.x86_64.sympy_1776_sympy-20590:latest"
    assert images.swebench_image_name("Org__Repo-1", namespace="") == "sweb.eval.x86_64.org__repo-1:latest"
    assert images.resolve_image("a__b-1", None, mapping={"a__b-1": "mine:1"}) == "mine:1"
    assert images.resolve_image("a__b-1", "named:2") == "named:2"


def test_local_image_mapping_files(tmp_path):
    (tmp_path / "m.json").write_text(json.dumps({"a__b-1": "local/a:1"}))
    (tmp_path / "m.txt").write_text("# offline images\na__b-1 local/a:2\n")
    assert images.local_mapping(str(tmp_path / "m.json")) == {"a__b-1": "local/a:1"}
    assert images.local_mapping(str(tmp_path / "m.txt")) == {"a__b-1": "local/a:2"}
    (tmp_path / "bad.txt").write_text("just-one-field\n")
    with pytest.raises(ValueError, match="line 1"):
        images.local_mapping(str(tmp_path / "bad.txt"))


def test_user_suite_from_setting_and_rows_without_a_test_command(tmp_path, monkeypatch):
    # A pre-swebench-5 SWE-bench/SWE-Gym row: no eval_script and no test_cmd → skipped with the reason...
    path = write_jsonl(tmp_path / "gym.jsonl", [row(instance_id="getmoto__moto-1", test_cmd=..., log_parser=...)])
    EnvContext(settings={"swe.instances": f"gym={path}"})
    SweEnvironment.suites()
    SweEnvironment.forget_tasks("gym")
    assert SweEnvironment.tasks("gym") == []
    assert "no way to run its tests" in SweEnvironment.skipped_tasks("gym")[0].reason
    # ...and loads once swe.profiles says how the repository's tests run.
    (tmp_path / "profiles.json").write_text(
        json.dumps({"owner/repo": {"test_cmd": "pytest -rA", "log_parser": "parse_log_pytest"}})
    )
    EnvContext(settings={"swe.profiles": str(tmp_path / "profiles.json")})
    SweEnvironment.forget_tasks("gym")
    try:
        task = SweEnvironment.get_task("gym", "getmoto__moto-1")
        assert task.private["test_cmd"] == "pytest -rA" and SweEnvironment.skipped_tasks("gym") == []
    finally:
        EnvContext(settings={"swe.profiles": None})
        SweEnvironment.forget_tasks("gym")


def test_hidden_parts_stay_private():
    task = SweEnvironment.get_task("own", "ledgerlite__ledgerlite-2")
    public = task.public().model_dump_json()
    for secret in (task.private["patch"], task.private["test_patch"], "test_balance_ignores_prefix_siblings"):
        assert secret not in public


def test_protected_paths():
    got = protect.reverted_paths(
        [
            "src/a.py",
            "conftest.py",
            "pkg/tests/conftest.py",
            "pytest.py",
            "lib/_pytest/x.py",
            "a.pth",
            "setup.cfg",
            "tests/test_a.py",
            "Makefile",
            "tests/check.h",
            "pyproject.toml",
        ],
        test_patch_files={"tests/test_a.py"},
        gold_files={"setup.cfg"},
        extra=["Makefile", "tests"],
    )
    assert set(got) == {
        "conftest.py",
        "pkg/tests/conftest.py",
        "pytest.py",
        "lib/_pytest/x.py",
        "a.pth",
        "tests/test_a.py",
        "Makefile",
        "tests/check.h",
        "pyproject.toml",
    }
    assert "setup.cfg" not in got  # the reference fix changes it: the instance needs it changed


def test_patch_files_reads_both_sides_of_a_rename():
    diff = "diff --git a/old.py b/new.py\nsimilarity index 90%\nrename from old.py\nrename to new.py\n"
    assert protect.patch_files(diff) == {"old.py", "new.py"}


def test_pass_rule_is_strict():
    assert parsers.passed("PASSED") and parsers.passed("XFAIL")
    assert not any(parsers.passed(s) for s in ("SKIPPED", "FAILED", "ERROR", None))


def test_own_suite_loads_completely_in_two_languages():
    loaded, extras = own_suite()
    assert len(loaded.instances) >= 10 and not loaded.skipped
    assert {e["language"] for e in extras.values()} == {"python", "c"}
    assert {i.form for i in loaded.instances} == {"swebench", "swesmith"}
    assert any(i.eval_script for i in loaded.instances) and any(i.test_cmd for i in loaded.instances)
    assert len(SweEnvironment.tasks("own")) == len(loaded.instances) and SweEnvironment.skipped_tasks("own") == []


def test_own_suite_base_commits_match_the_images(tmp_path):
    """The Dockerfile commits each repository deterministically; the instance file must name that commit."""
    loaded, extras = own_suite()
    wanted = {
        e["build_context"]: i.base_commit for i in loaded.instances for e in [extras[i.instance_id]] if i.base_commit
    }
    for context, base in wanted.items():
        work = tmp_path / context.rsplit("/", 1)[-1]
        subprocess.run(["cp", "-r", f"{context}/repo", str(work)], check=True)
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            **{k: v for k, v in __import__("envgym_swe.gitcmd").gitcmd.COMMIT_ENV.items()},
        }
        subprocess.run(
            "git init -q -b main && git add -A && git commit -q -m base", shell=True, cwd=work, env=env, check=True
        )
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=work, env=env, capture_output=True, text=True, check=True
        )
        assert head.stdout.strip() == base, (
            f"{context}: rebuild the instance file (environments/swe/devtools/build_suite.py)"
        )


def test_sources_setting_parses_named_and_plain_paths():
    assert suites.parse_sources(["a=/x.jsonl", "/y.parquet"])[0][0] == "a"
    assert suites.parse_sources("/y.parquet")[0][0] == "local"
