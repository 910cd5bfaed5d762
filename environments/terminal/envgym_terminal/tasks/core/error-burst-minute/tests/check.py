from pathlib import Path
p = Path("burst.txt")
raise SystemExit(0 if p.is_file() and " ".join(p.read_text().split()) == "2024-06-02 14:37 25" else 1)
