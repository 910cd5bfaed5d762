#!/bin/bash
set -euo pipefail
mkdir -p restored
tar -xzf backup.tar.gz -O app/config/settings.yaml > restored/settings.yaml
