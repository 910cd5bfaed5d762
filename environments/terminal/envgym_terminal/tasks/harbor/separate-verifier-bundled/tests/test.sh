#!/bin/bash
# /opt/expected-digest exists only in the verifier's own image (built from tests/Dockerfile).
if [ -s /opt/expected-digest ] && [ "$(cat /logs/artifacts/digest.txt 2>/dev/null)" = "$(cat /opt/expected-digest)" ]; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
