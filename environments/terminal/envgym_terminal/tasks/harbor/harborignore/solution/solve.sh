#!/bin/bash
[ ! -e /solution/secret.key ] || { echo "an ignored solution file was shipped"; exit 1; }
echo 42 > answer.txt
