#!/bin/bash
set -euo pipefail
find logs -type f -name '*.log' -print0 | tar --null -czf logs.tar.gz -T -
