#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 300) on stable Rust, starting from the small
# committed seeds; the growing corpus stays in fuzz/corpus (ignored by git).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-300}
export RUSTC_BOOTSTRAP=1
for target in $(cargo fuzz list); do
  mkdir -p "corpus/$target"
  echo "== $target for ${seconds}s"
  cargo fuzz run -O "$target" "corpus/$target" "seeds/$target" -- -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 2>&1 | grep -E "^(#[0-9]+.*DONE|Done|==|.*SUMMARY|.*panicked|.*ERROR)" || true
done
