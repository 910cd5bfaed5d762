#!/bin/bash
set -euo pipefail
cd repo && git log -S 'AKIA-EXAMPLE-KEY' --format=%H --reverse | head -1 > ../leak_commit.txt
