#!/bin/bash
set -euo pipefail
awk '$3 == "ERROR"' server.log | wc -l > error_count.txt
