#!/bin/bash
# Harbor's convention: the working directory is the image's WORKDIR (/app).
if [ "$(pwd)" = /app ] && [ "$(tr -d ' \n' < /app/total.txt 2>/dev/null)" = "140" ]; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
