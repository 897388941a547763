#!/usr/bin/env bash
# The browser the portal's tests drive: Debian's chromium package, driven by Playwright with
# `executable_path` (Playwright never downloads a browser here). `make test` runs this when
# the browser is missing; it needs root (or sudo) and Debian's package registry.
set -euo pipefail
BROWSER="${ESCALATOR_TEST_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$BROWSER" ]; then
  exit 0
fi
if [ "$BROWSER" != /usr/bin/chromium ]; then
  echo "ESCALATOR_TEST_CHROMIUM=$BROWSER is not an executable" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "the browser tests need Debian's chromium: run 'apt-get install chromium' as root" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
"$BROWSER" --version
