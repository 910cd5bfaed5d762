#!/bin/bash
set -euo pipefail
awk '$2 == "ERROR"' server.log | wc -l > error_count.txt
