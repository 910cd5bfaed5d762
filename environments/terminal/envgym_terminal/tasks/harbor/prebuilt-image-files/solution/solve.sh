#!/bin/bash
ls -A | wc -l > /tmp/doc-count.txt
