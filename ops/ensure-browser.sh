#!/usr/bin/env bash
# Make sure the dashboard's browser tests have a browser: Debian's Chromium (never one that
# a test tool downloads) and a CJK font for readable screenshots, installed with apt-get
# when absent. Prints the browser's path on its last line; exits non-zero, loudly, when it
# cannot be had.
set -euo pipefail

browser=${LEDGER_TEST_CHROMIUM:-/usr/bin/chromium}
have_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null | head -n 1)" ]; }

if [ ! -x "$browser" ] || ! have_font; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "ensure-browser: installing Debian's chromium and fonts-noto-cjk" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >&2
    else
        echo "ensure-browser: no Chromium at $browser and no apt-get as root to install it;" \
            "install Debian's chromium (and fonts-noto-cjk) or set LEDGER_TEST_CHROMIUM" >&2
        exit 1
    fi
fi
if ! "$browser" --headless --no-sandbox --disable-gpu --version >/dev/null 2>&1 && ! "$browser" --version >/dev/null 2>&1; then
    echo "ensure-browser: $browser does not start" >&2
    exit 1
fi
echo "$browser"
