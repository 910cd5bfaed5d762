#!/bin/bash
if [ ! -e /tests/notes ] && [ ! -e /tests/check.draft ] && [ ! -e /tests/.harborignore ] && [ -f /tests/fixtures/expected.txt ] \
   && [ "$(cat /app/answer.txt 2>/dev/null)" = "$(cat /tests/fixtures/expected.txt)" ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
