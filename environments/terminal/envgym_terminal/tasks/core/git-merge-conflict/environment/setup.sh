#!/bin/bash
set -euo pipefail
git init -q -b main repo
cd repo

     printf '[client]\nurl = "http://svc"\ntimeout = 10\nretries = 3\n' > config.toml
     printf 'print("app")\n' > app.py
     git add -A && git commit -qm 'Initial config'
     git checkout -qb feature/timeouts
     printf '[client]\nurl = "http://svc"\ntimeout = 30\nretries = 3\nkeepalive = true\n' > config.toml
     printf 'docs\n' > TIMEOUTS.md
     git add -A && git commit -qm 'Raise timeout, add keepalive'
     git checkout -q main
     printf '[client]\nurl = "http://svc"\ntimeout = 15\nretries = 5\n' > config.toml
     git commit -qam 'More retries'
