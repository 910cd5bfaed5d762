#!/bin/bash
set -euo pipefail
chmod +x job.sh
