#!/bin/bash
[ "$LITERAL" = 'pre-${NOT_EXPANDED}' ] || { echo "LITERAL was expanded: $LITERAL"; exit 1; }
[ -n "$SOLUTION_NOTE" ] || { echo "[solution.env] did not reach solve.sh"; exit 1; }
printf %s "$DEPLOY_TARGET" > target.txt
