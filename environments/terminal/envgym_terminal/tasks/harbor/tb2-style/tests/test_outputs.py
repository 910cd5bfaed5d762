import subprocess
from pathlib import Path


def count(text, tmp_path):
    target = tmp_path / "input.txt"
    target.write_text(text)
    out = subprocess.run(["python3", "/app/wc.py", str(target)], capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


def test_counts_words_across_lines(tmp_path):
    assert count("one two\nthree\n\nfour five six\n", tmp_path) == "6"


def test_single_line(tmp_path):
    assert count("a b c d e", tmp_path) == "5"


def test_script_still_there():
    assert Path("/app/wc.py").is_file()
