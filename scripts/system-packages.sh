#!/usr/bin/env bash
# Debian packages the test suite uses, installed if missing (as root; otherwise the command to run is printed):
# chromium (the browser tests; Playwright drives /usr/bin/chromium and never downloads a browser),
# fonts-noto-cjk (so screenshots show Chinese) and postgresql (the storage tests start throwaway clusters
# of their own; the package's default cluster is not used).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fontconfig fonts-noto-cjk)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "the tests need: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
echo "installing ${need[*]} (Debian packages the tests use)" >&2
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
