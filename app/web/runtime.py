"""Process-wide setup for the chat UI, done once before Gradio is imported.

Gradio and huggingface_hub read their environment when imported, so `app/web/__init__.py`
imports this module first: analytics off (no version check or telemetry), the hub
client offline. Uploads and evaluation results go to `TEMP_ROOT`, a private folder of
this process (`tempfile.mkdtemp`: mode 0700, a fresh random name, never the shared
`/tmp/gradio`) that is removed when the process exits: Gradio's upload folder is its
`uploads` (unless `GRADIO_TEMP_DIR` was set by the user) and `evaluations` holds the
result files. A variable already set in the environment is kept, except analytics
and telemetry, which are always off. This module starts nothing and imports no Gradio.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

TEMP_ROOT = Path(tempfile.mkdtemp(prefix="cited-qa-"))
UPLOADS = TEMP_ROOT / "uploads"
EVALUATIONS = TEMP_ROOT / "evaluations"
atexit.register(shutil.rmtree, TEMP_ROOT, ignore_errors=True)

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# subtle: a child process (a server started by a test, say) inherits our variable; it gets a
# folder of its own, so CITED_QA_TEMP_DIR marks the value as ours rather than the user's
_OURS = "CITED_QA_TEMP_DIR"
if os.environ.get("GRADIO_TEMP_DIR") in (None, "", os.environ.get(_OURS)):
    os.environ["GRADIO_TEMP_DIR"] = os.environ[_OURS] = str(UPLOADS)
