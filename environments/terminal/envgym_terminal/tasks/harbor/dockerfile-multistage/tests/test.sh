#!/bin/bash
# The image's ENV reaches commands (PATH, GREETING_STYLE) and the final WORKDIR is /opt/tool.
if [ "$(pwd)" = /opt/tool ] && [ "$(cat /opt/tool/greeting.txt 2>/dev/null)" = "HELLO, harbor!" ]; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
