"""The UI's process-wide setup: private temporary folders, removed at exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import PROJECT

SHOW = ("import json, os; from app.web import runtime; "
        "print(json.dumps([str(runtime.TEMP_ROOT), os.environ['GRADIO_TEMP_DIR'], "
        "oct(runtime.TEMP_ROOT.stat().st_mode & 0o777), str(runtime.EVALUATIONS)]))")


def folders(env: dict) -> list[str]:
    done = subprocess.run([sys.executable, "-c", SHOW], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.slow  # three Python processes that import Gradio
def test_each_process_gets_a_private_temp_folder_removed_at_exit():
    env = {k: v for k, v in os.environ.items() if k not in ("GRADIO_TEMP_DIR", "CITED_QA_TEMP_DIR")}
    root, uploads, mode, evaluations = folders(env)
    assert mode == "0o700" and Path(root).parent == Path(tempfile.gettempdir())
    assert Path(uploads).parent == Path(root) == Path(evaluations).parent
    assert not Path(root).exists()  # removed when the process exited
    # a second process, even one that inherits the first one's variables, has its own
    again = folders({**env, "GRADIO_TEMP_DIR": uploads, "CITED_QA_TEMP_DIR": uploads})
    assert again[0] != root and again[1] != uploads
    # a folder the user chose is kept
    mine = tempfile.mkdtemp()
    try:
        assert folders({**env, "GRADIO_TEMP_DIR": mine})[1] == mine
    finally:
        os.rmdir(mine)
