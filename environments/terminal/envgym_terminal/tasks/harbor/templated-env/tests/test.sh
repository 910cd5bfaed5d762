#!/bin/bash
# [verifier.env] reaches the check; the solution's env reached solve.sh (it left a note).
if [ -n "$EXPECTED_TARGET" ] && [ "$(cat /app/target.txt 2>/dev/null)" = "$EXPECTED_TARGET" ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
