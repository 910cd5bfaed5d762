#!/bin/bash
set -euo pipefail
chmod +x worker.sh
