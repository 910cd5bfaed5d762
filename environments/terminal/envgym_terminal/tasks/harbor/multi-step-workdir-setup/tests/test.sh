#!/bin/bash
# Shared by both steps; [steps.verifier] env says what this step expects.
if [ -n "$EXPECT" ] && [ "$(cat /app/result.txt 2>/dev/null)" = "$EXPECT" ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
