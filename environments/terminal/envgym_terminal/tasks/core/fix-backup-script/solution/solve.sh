#!/bin/bash
set -euo pipefail
cat > backup.sh <<'SH'
#!/bin/bash
src=$1
dest=$2
mkdir -p "$dest"
count=0
shopt -s nullglob
for f in "$src"/*.txt; do
  cp -- "$f" "$dest/"
  count=$((count + 1))
done
echo "backed up $count files"
SH
chmod +x backup.sh
