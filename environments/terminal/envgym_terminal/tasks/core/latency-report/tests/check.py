from pathlib import Path
p = Path("latency.csv")
raise SystemExit(0 if p.is_file() and p.read_text().strip().splitlines() == ['endpoint,requests,avg_ms', '/api/cart,218,1074.4', '/api/checkout,187,1020.6', '/api/login,190,1009.4', '/api/search,208,1053.3', '/health,202,21.9'] else 1)
