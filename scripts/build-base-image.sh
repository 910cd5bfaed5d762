#!/usr/bin/env bash
# Builds envgym's default Docker base image without any container registry: a Debian root
# filesystem made by debootstrap from this machine's own apt mirror, imported with `docker import`.
#   usage: scripts/build-base-image.sh [IMAGE_NAME]   (default: envgym-base:bookworm)
# The image carries the same tools the bwrap sandbox sees from the host (python3 + pytest, git,
# gcc/make, jq, sqlite3, ...), so tasks behave alike under both providers; bubblewrap lets
# envgym serve (server/Dockerfile) use the bwrap sandbox inside a container built on this image.
set -euo pipefail
IMAGE="${1:-envgym-base:bookworm}"
SUITE="${ENVGYM_BASE_SUITE:-bookworm}"
INCLUDE="python3,python3-pytest,bubblewrap,git,make,gcc,libc6-dev,jq,sqlite3,bc,procps,psmisc,zip,unzip,file,xz-utils,bzip2,patch,ca-certificates"

if docker image inspect "$IMAGE" >/dev/null 2>&1 && [ "${ENVGYM_REBUILD:-0}" != "1" ]; then
  echo "==> $IMAGE already exists (ENVGYM_REBUILD=1 to rebuild)"; exit 0
fi
command -v debootstrap >/dev/null || { echo "error: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }

# The mirror is read from this machine's apt sources at run time (deb822 `URIs:` or one-line `deb URL`).
MIRROR=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  MIRROR=$(awk '/^URIs:/ {print $2; exit}' "$f")
  [ -n "$MIRROR" ] && break
done
if [ -z "$MIRROR" ] && [ -f /etc/apt/sources.list ]; then
  MIRROR=$(awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
fi
[ -n "$MIRROR" ] || { echo "error: could not read a Debian mirror from /etc/apt/sources.list(.d)" >&2; exit 1; }

ROOTFS=$(mktemp -d /tmp/envgym-rootfs.XXXXXX)
trap 'rm -rf "$ROOTFS"' EXIT
echo "==> debootstrap $SUITE into $ROOTFS"
debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$ROOTFS" "$MIRROR" >/tmp/envgym-debootstrap.log 2>&1 \
  || { tail -20 /tmp/envgym-debootstrap.log >&2; exit 1; }
# An unprivileged user for sandboxed commands (uid 1000), and an empty workspace it owns.
chroot "$ROOTFS" /bin/sh -c 'groupadd -g 1000 sandbox && useradd -u 1000 -g 1000 -M -d /workspace -s /bin/bash sandbox && mkdir -p /workspace && chown 1000:1000 /workspace'
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
echo "==> docker import as $IMAGE"
tar -C "$ROOTFS" -c . | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'ENV LANG=C.UTF-8' - "$IMAGE" >/dev/null
echo "==> built $IMAGE"
