#!/bin/bash
if [ "$(cat /app/code.txt 2>/dev/null)" = "orange-7-tango" ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
