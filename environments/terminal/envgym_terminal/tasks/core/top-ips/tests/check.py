from pathlib import Path
p = Path("top_ips.txt")
got = [" ".join(l.split()) for l in p.read_text().strip().splitlines()] if p.is_file() else []
raise SystemExit(0 if got == ['336 10.0.2.39', '288 10.0.3.33', '246 10.0.0.24'] else 1)
