#!/bin/bash
n=$(find /srv/data -type f | wc -l)
echo "{\"files\": $n}" > /logs/artifacts/report.json
