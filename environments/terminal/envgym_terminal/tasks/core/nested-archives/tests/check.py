from pathlib import Path
p = Path("secret.txt")
raise SystemExit(0 if p.is_file() and p.read_text() == "the-answer-is-7f3a9c\n" else 1)
