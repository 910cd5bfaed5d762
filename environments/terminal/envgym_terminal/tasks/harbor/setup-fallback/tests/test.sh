#!/bin/bash
if [ "$(cat reversed.txt 2>/dev/null)" = $'grace\nbarbara\nada' ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
