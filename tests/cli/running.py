"""Running the command line as a real subprocess, as a user does: ``python -m micrograd_ext ...``."""
import subprocess
import sys


def run(*args, cwd=None, input=None, env=None, timeout=120):
    return subprocess.run([sys.executable, '-m', 'micrograd_ext', *args], capture_output=True, text=True, cwd=cwd,
                          input=input, env=env, timeout=timeout)
