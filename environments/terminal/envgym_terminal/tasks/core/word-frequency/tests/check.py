from pathlib import Path
p = Path("top_words.txt")
got = [l.split() for l in p.read_text().strip().splitlines()] if p.is_file() else []
raise SystemExit(0 if got == [['the', '219'], ['and', '142'], ['is', '130'], ['shell', '128'], ['text', '103']] else 1)
