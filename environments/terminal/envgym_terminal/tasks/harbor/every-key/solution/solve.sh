#!/bin/bash
[ "$APP_MODE" = conformance ] || { echo "no [environment.env]"; exit 1; }
echo "$SOLUTION_WORD" > state.txt
