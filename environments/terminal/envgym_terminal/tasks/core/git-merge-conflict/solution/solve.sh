#!/bin/bash
set -euo pipefail
cd repo
git merge --no-ff feature/timeouts -m 'Merge feature/timeouts' >/dev/null 2>&1 || true
printf '[client]\nurl = "http://svc"\ntimeout = 30\nretries = 5\nkeepalive = true\n' > config.toml
git add config.toml
git -c core.editor=true commit -q --no-edit
