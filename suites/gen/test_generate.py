"""suites/gen/test_generate.py: the generated scenario files are what the
generator writes today (a hand edit of one, or a generator change without
`make generate`, fails here)."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def test_generated_files_are_current():
    r = subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
