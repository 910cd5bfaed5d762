#!/bin/bash
if [ "$(tr -d ' \n' < /app/total.txt 2>/dev/null)" = 12 ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
