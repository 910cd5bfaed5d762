#!/bin/bash
expected=$'[server]\nhost = 0.0.0.0\nport = 8088\n\n[client]\nport = 9000'
if [ "$(pwd)" = /work ] && [ "$(cat /work/config/app.ini 2>/dev/null)" = "$expected" ]; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
