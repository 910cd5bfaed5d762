#!/bin/bash
f=/home/appuser/work/owned.txt
# The agent ran as the image's USER; the tests run as root ([verifier] user).
if [ "$(id -u)" = 0 ] && [ "$(stat -c %U "$f" 2>/dev/null)" = appuser ] && [ "$(tr -d '\n' < "$f")" = appuser ]; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
