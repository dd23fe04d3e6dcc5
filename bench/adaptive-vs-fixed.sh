#!/usr/bin/env bash
# Adaptive sampling against a fixed num on the example functions, in the embedded emulator.
# Prints a Markdown table. Usage: bench/adaptive-vs-fixed.sh [--runs 20] [--num 20] [--precision 0.1]
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --quiet -p tuner --example adaptive_vs_fixed -- "$@"
