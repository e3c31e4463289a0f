"""Process-wide setup for the chat UI, done once before Gradio is imported.

Gradio and huggingface_hub read their environment when imported, so `app/web/__init__.py`
imports this module first: analytics off (no version check or telemetry), the hub
client offline, and Gradio's upload folder this app's own rather than the shared
`/tmp/gradio`. A variable already set in the environment is kept, except analytics
and telemetry, which are always off. This module starts nothing and imports no Gradio.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_TEMP_DIR", str(Path(tempfile.gettempdir()) / "cited-qa-uploads"))
