#!/bin/bash
if [ "$(cat /app/version.txt 2>/dev/null)" = "$(python3 --version 2>&1)" ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
