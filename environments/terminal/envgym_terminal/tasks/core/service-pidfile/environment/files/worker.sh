#!/bin/bash
# Pretends to work: one heartbeat line per second.
while true; do
  echo "heartbeat $(date +%s)"
  sleep 1
done
