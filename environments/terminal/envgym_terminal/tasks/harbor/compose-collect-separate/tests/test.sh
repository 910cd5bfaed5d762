#!/bin/bash
# Runs in a fresh container built from environment/: only the collected artifact is here.
if [ "$(cat /data/snapshot.txt 2>/dev/null)" = $'alpha\nomega' ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
