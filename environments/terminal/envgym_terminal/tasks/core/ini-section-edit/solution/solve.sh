#!/bin/bash
set -euo pipefail
sed -i '/^\[server\]/,/^\[/ s/^port = 8080$/port = 9090/' app.ini
