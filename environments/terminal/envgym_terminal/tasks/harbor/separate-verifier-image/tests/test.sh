#!/bin/bash
# The verifier's image is the plain base image: /srv/data does not exist here, only the report.
if [ ! -e /srv/data ] && python3 -c "import json,sys; sys.exit(0 if json.load(open('/logs/artifacts/report.json')) == {'files': 5} else 1)"; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
