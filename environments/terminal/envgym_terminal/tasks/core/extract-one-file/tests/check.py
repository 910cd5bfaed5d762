from pathlib import Path
ok = Path("restored/settings.yaml").read_text() == "db: postgres\nport: 5432\nfeature_flags:\n  - beta\n" if Path("restored/settings.yaml").is_file() else False
ok = ok and not Path("app").exists() and not Path("restored/dev.yaml").exists()
ok = ok and {p.name for p in Path("restored").rglob("*") if p.is_file()} == {"settings.yaml"}
raise SystemExit(0 if ok else 1)
