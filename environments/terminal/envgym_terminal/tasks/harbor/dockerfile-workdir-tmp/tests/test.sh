#!/bin/bash
if [ "$(tr -d ' \n' < /tmp/gets.txt 2>/dev/null)" = "8" ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
