#!/bin/bash
python3 -c "import json; d=json.load(open(\"config.json\")); d[\"workers\"]=4; json.dump(d, open(\"config.json\",\"w\"))"
