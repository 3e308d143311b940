#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need (Azurite, from the
# npm registry, pinned in package-lock.json), then builds and runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo is not installed; install Rust from https://rustup.rs" >&2
  exit 1
fi

# Azurite (Azure Storage emulator) for the blob state backend tests.
if [ ! -x node_modules/.bin/azurite-blob ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "error: npm is needed to install Azurite (Node.js 18 or newer)" >&2
    exit 1
  fi
  npm ci --no-audit --no-fund --loglevel=error
fi
export STRATA_AZURITE_BIN="$PWD/node_modules/.bin/azurite-blob"

cargo test --workspace --all-targets "$@"
