#!/bin/sh
# Installs the Debian 12 packages ctorch builds and tests with, when missing.
# Usage: scripts/deps.sh [extra packages...]
set -eu
pkgs="build-essential cmake pkg-config liblua5.4-dev lua5.4 libopenblas-dev zlib1g-dev
      libreadline-dev lua-busted libpng-dev libjpeg-dev dataset-fashion-mnist $*"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "installing:$missing"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
