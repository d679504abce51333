#!/usr/bin/env bash
# Create benchmarks/.venv-peers: the virtualenv in which run_audit.py --peers runs the other
# data-validation tools (today pointblank). They are benchmark peers, not dependencies of
# veracity, so they live in their own environment and never in the project's.
#
# Usage (from anywhere):  bash benchmarks/peers/setup.sh [PROJECT_PYTHON]
#
# PROJECT_PYTHON (default: .venv/bin/python of the repository, else python3) is the interpreter
# the project runs on. The peers venv is built from the same Python and gets the same polars
# version, so that the bare read, veracity and the peers all read the file with the same code.
# Rerun it after the project's polars changes; an existing venv is updated in place.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/benchmarks/.venv-peers"

project_python="${1:-$repo/.venv/bin/python}"
if [[ $# -eq 0 && ! -x "$project_python" ]]; then
    project_python="$(command -v python3)"
fi
if ! polars_version="$("$project_python" -c 'import polars; print(polars.__version__)' 2>/dev/null)"; then
    echo "$project_python has no polars: install the project first (make demo), or pass its interpreter" >&2
    exit 1
fi
base_python="$("$project_python" -c 'import sys; print(sys._base_executable)')"

echo "peers venv: $venv (Python from $base_python, polars $polars_version)"
"$base_python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$here/requirements.txt" "polars==$polars_version"
"$venv/bin/python" -c 'import importlib.metadata as m; print("installed: pointblank", m.version("pointblank"), "polars", m.version("polars"))'
