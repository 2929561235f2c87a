#!/usr/bin/env bash
# Runs every test: installs prerequisites, builds, runs xunit and pytest, prints totals.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

RESULTS="artifacts/test-results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
status=0

dotnet test RenalGrpc.sln --no-build -nologo --logger "trx" --results-directory "$RESULTS" || status=1

if compgen -G "tests/python/test_*.py" >/dev/null; then
  /usr/bin/python3 -m pytest tests/python -q --junitxml="$RESULTS/pytest.xml" || status=1
fi

/usr/bin/python3 scripts/test_totals.py "$RESULTS" || status=1
exit $status
