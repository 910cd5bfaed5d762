#!/bin/bash
set -euo pipefail
mkdir -p logs/2024/jan logs/2024/feb logs/archive
for f in logs/app.log logs/2024/jan/web.log logs/2024/feb/web.log logs/archive/old.log; do echo "entry for $f" > "$f"; done
echo notes > logs/README.md; echo '{}' > logs/2024/state.json; echo x > logs/archive/old.log.bak
