#!/bin/bash
cd /app && python3 /tests/test_stats.py
