#!/bin/bash
set -euo pipefail
mkdir -p stage/app/config stage/app/data stage/app/logs
printf 'db: postgres\nport: 5432\nfeature_flags:\n  - beta\n' > stage/app/config/settings.yaml
printf 'debug: true\n' > stage/app/config/dev.yaml
head -c 20000 /dev/urandom > stage/app/data/blob.bin
echo 'log line' > stage/app/logs/app.log
tar -czf backup.tar.gz -C stage app
rm -rf stage
