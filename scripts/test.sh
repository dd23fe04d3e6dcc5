#!/usr/bin/env bash
# The one test command: installs what the tests need, then runs every check.
# Usage: scripts/test.sh            (from anywhere; CI calls it through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

step() { printf '\n==> %s\n' "$*" >&2; }

# --- What the tests need --------------------------------------------------------------------
# Each installer is idempotent and quick when everything is already there.

install_debian_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        step "installing Debian packages: ${missing[*]}"
        local sudo=""
        [[ $(id -u) -eq 0 ]] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

install_python_venv() {
    # Python peers (runtime clients, moto, boto3, the AWS CLI, cfn-lint) live in .venv.
    local stamp=.venv/.requirements.sha256
    local want
    want=$(sha256sum tests/requirements.txt | cut -d' ' -f1)
    if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
        step "installing Python test tools into .venv"
        python3 -m venv .venv
        .venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
        echo "$want" >"$stamp"
    fi
}

install_npm_packages() {
    # Node peers (runtime client, ASL tools) live in ./node_modules, pinned by package-lock.json.
    local stamp=node_modules/.package-lock.sha256
    local want
    want=$(sha256sum package-lock.json | cut -d' ' -f1)
    if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
        step "installing npm packages"
        npm ci --no-audit --no-fund --loglevel=error
        echo "$want" >"$stamp"
    fi
}

# Debian packages first: the Python and npm installs may need their build tools.
if [[ -f tests/debian-packages.txt ]]; then
    mapfile -t DEBS < <(grep -v '^#' tests/debian-packages.txt | grep .)
    install_debian_packages "${DEBS[@]}"
fi
if [[ -f tests/requirements.txt ]]; then install_python_venv; fi
if [[ -f package-lock.json ]]; then install_npm_packages; fi

# Tests find the peers through these variables rather than the caller's PATH.
export POWERTUNE_TEST_VENV="$ROOT/.venv"
export POWERTUNE_TEST_NODE_MODULES="$ROOT/node_modules"

# --- Checks -------------------------------------------------------------------------------
step "cargo fmt --check"
cargo fmt --all --check

step "structure: no module import cycles, no file over 800 lines, no function over 100"
python3 scripts/structure.py

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo nextest"
cargo nextest run --workspace --locked --no-fail-fast

step "doctests"
cargo test --doc --workspace --locked

step "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

for extra in scripts/test.d/*.sh; do
    [[ -e $extra ]] || continue
    step "$extra"
    bash "$extra"
done

step "all checks passed"
