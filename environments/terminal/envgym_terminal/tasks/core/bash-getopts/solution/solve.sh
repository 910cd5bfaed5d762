#!/bin/bash
set -euo pipefail
cat > greet.sh <<'SH'
#!/bin/bash
name=world
upper=0
while getopts ":n:u" opt; do
  case "$opt" in
    n) name=$OPTARG ;;
    u) upper=1 ;;
    *) echo "usage: $0 [-n NAME] [-u]" >&2; exit 1 ;;
  esac
done
msg="Hello, $name!"
if [ "$upper" = 1 ]; then msg=$(printf '%s' "$msg" | tr '[:lower:]' '[:upper:]'); fi
echo "$msg"
SH
chmod +x greet.sh
