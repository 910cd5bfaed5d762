#!/bin/bash
grep -c ':/usr/sbin/nologin$' /etc/passwd > nologin-count.txt
