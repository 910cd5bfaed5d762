from pathlib import Path
p = Path("active.txt")
raise SystemExit(0 if p.is_file() and p.read_text().split() == ['ada', 'dmitri', 'farah', 'gus', 'ivan', 'jo', 'mo', 'nia'] else 1)
