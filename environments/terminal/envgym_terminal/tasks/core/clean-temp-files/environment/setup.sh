#!/bin/bash
set -euo pipefail
mkdir -p project/src/.cache project/build/obj "project/docs/old drafts"
touch project/a.tmp project/src/b.tmp project/src/.cache/c.tmp project/build/obj/d.tmp "project/docs/old drafts/e f.tmp"
touch project/cache.tmp.keep project/src/main.c project/build/obj/main.o project/docs/tmp.txt project/src/.cache/index
