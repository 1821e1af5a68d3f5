#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu, Python 3.10 or later).
set -euo pipefail
SOURCE=/autograder/source  # the autograder zip, unpacked

if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get update
    apt-get install -y --no-install-recommends python3 python3-pip
fi
# micrograd_ext from the copy in the zip (with numpy and graphviz), not editable: it goes to the system's
# site-packages, which every user can read (the notebooks run as the user student and import it), with what runs
# the notebooks. The image is made for grading alone, hence --break-system-packages (PEP 668; older pips ignore it).
export PIP_BREAK_SYSTEM_PACKAGES=1
python3 -m pip install --no-cache-dir "$SOURCE" 'nbclient>=0.7' 'nbformat>=5' 'ipykernel>=6'

# the user the notebooks run as: no home, no login, no way into the source (config.json) or the grader's files
id -u student >/dev/null 2>&1 || useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin student
chmod 700 "$SOURCE"
