#!/usr/bin/env bash
# Fails when src/config/grammar.generated.ts is not what nearleyc makes of grammar/keepalived.ne
# today, so nobody edits the grammar and forgets to regenerate (or edits the output by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp --suffix=.ts)
trap 'rm -f "$tmp"' EXIT
npx nearleyc grammar/keepalived.ne -o "$tmp" >/dev/null
if ! diff -q "$tmp" src/config/grammar.generated.ts >/dev/null; then
  echo "src/config/grammar.generated.ts is stale: run 'npm run grammar' and commit the result" >&2
  diff -u src/config/grammar.generated.ts "$tmp" | head -40 >&2
  exit 1
fi
echo "generated parser matches grammar/keepalived.ne"
