#!/bin/bash
set -euo pipefail
chmod u+x bin/*
chmod 700 secrets
chmod 600 secrets/*
