#!/usr/bin/env bash
# Third-party checks of what a team deploys: the state machine definition (asl-validator) and
# the SAM template (cfn-lint, with warnings treated as failures).
set -euo pipefail
cd "$(dirname "$0")/../.."

node_modules/.bin/asl-validator --json-path state-machine/powertune.asl.json

# cfn-lint exits non-zero on errors (2), warnings (4) and informational findings (8).
.venv/bin/cfn-lint --format parseable infra/template.yaml
echo "cfn-lint: infra/template.yaml clean"
