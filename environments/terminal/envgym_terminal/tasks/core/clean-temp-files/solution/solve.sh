#!/bin/bash
set -euo pipefail
find project -type f -name '*.tmp' -delete
