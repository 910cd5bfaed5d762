#!/bin/bash
set -euo pipefail
newest=$(ls releases | sort -V | tail -1)
ln -sfn "releases/$newest" current
