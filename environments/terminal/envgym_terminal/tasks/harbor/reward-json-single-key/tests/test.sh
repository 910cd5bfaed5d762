#!/bin/bash
cd /photos
if [ -z "$(ls *.jpeg 2>/dev/null)" ] && [ -f a.jpg ] && [ -f b.jpg ] && [ -f "c d.jpg" ] && [ -f keep.png ]; then s=1; else s=0; fi
echo "{\"score\": $s}" > /logs/verifier/reward.json
