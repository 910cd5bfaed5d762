#!/bin/bash
touch ready.flag
echo '{"mode": "fast"}' > config.json
