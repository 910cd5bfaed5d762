#!/bin/bash
set -e
pkg=$(mktemp -d)
mkdir -p "$pkg/DEBIAN" "$pkg/usr/local/share/envgym"
echo "hello from a package" > "$pkg/usr/local/share/envgym/hello"
cat > "$pkg/DEBIAN/control" <<CONTROL
Package: envgym-hello
Version: 1.0
Architecture: all
Maintainer: envgym <envgym@example.com>
Description: conformance package
CONTROL
dpkg-deb --build "$pkg" envgym-hello.deb
