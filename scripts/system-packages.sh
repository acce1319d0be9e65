#!/usr/bin/env bash
# System packages some end-to-end tests drive for real: tmux (a real terminal), jq (check
# --follow piped into jq), Prometheus and promtool (scraping `vaetui export`), headless Chromium
# and its driver (`vaetui serve` in a browser), rsvg-convert (screenshots looked at as PNG).
# Installed with apt-get when missing and when we may (root); otherwise those tests skip
# and say why.
set -u
need=()
command -v tmux >/dev/null || need+=(tmux)
command -v jq >/dev/null || need+=(jq)
command -v prometheus >/dev/null || need+=(prometheus)
command -v promtool >/dev/null || need+=(prometheus)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v rsvg-convert >/dev/null || need+=(librsvg2-bin)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "note: not installing ${need[*]} (needs root and apt-get); the tests that use them skip" >&2
    exit 0
fi
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    $(printf '%s\n' "${need[@]}" | sort -u) >/dev/null
