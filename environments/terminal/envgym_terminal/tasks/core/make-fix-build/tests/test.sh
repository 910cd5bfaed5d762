#!/bin/bash
# Runs the hidden check and records 1 (pass) or 0 (fail) as the reward. The check reaches Python on
# stdin, so no command line shows where the tests are.
if python3 -I - < /tests/check.py; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi
