#!/bin/bash
# As TB2 checks do, the test installs what it needs with apt-get (here: the agent's own package,
# offline), which needs root and a writable root filesystem.
export DEBIAN_FRONTEND=noninteractive
if apt-get install -y /app/envgym-hello.deb > /tmp/apt.log 2>&1 \
   && dpkg-query -W -f='${Version}' envgym-hello | grep -qx 1.0 \
   && [ "$(cat /usr/local/share/envgym/hello)" = "hello from a package" ]; then
  echo 1 > /logs/verifier/reward.txt
else
  cat /tmp/apt.log
  echo 0 > /logs/verifier/reward.txt
fi
