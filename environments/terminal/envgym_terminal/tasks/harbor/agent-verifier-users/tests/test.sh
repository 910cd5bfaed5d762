#!/bin/bash
f=/srv/shared/agent-user.txt
if [ "$(id -u)" = 0 ] && [ "$(cat "$f" 2>/dev/null)" = builder ] && [ "$(stat -c %u "$f")" = 1700 ]; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
