#!/bin/bash
if [ "$(sha256sum /app/blob.bin 2>/dev/null | cut -d' ' -f1)" = "454cba07c1b3914a03b5dd00891ecaf72cb94422bbf4d8e9becede2f23c0851a" ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
