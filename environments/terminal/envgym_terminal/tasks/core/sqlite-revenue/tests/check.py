from pathlib import Path
p = Path("revenue_2023.txt")
raise SystemExit(0 if p.is_file() and p.read_text().strip() == "5013033" else 1)
