#!/bin/bash
set -euo pipefail
tr 'A-Z' 'a-z' < emails.txt | sed 's/^[[:space:]]*//; s/[[:space:]]*$//' | grep -v '^$' | LC_ALL=C sort -u > clean_emails.txt
