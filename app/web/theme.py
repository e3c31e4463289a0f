"""The page's Gradio theme: Soft in indigo, with the light mode's text and buttons dark
enough for WCAG AA contrast (4.5:1), which Soft's indigo-500 misses by a little.

Only colours change; the dark mode keeps Soft's own. The classes of `render.py`'s HTML
are styled in `static/style.css`, not here.

    >>> THEME.button_primary_background_fill
    '*primary_600'
"""

from __future__ import annotations

import gradio as gr

THEME = gr.themes.Soft(primary_hue="indigo").set(
    button_primary_background_fill="*primary_600",  # white on it: 6.3:1 (500 gives 4.46:1)
    button_primary_background_fill_hover="*primary_700",
    block_label_text_color="*primary_700",  # the upload's "Drop File Here" and labels
    body_text_color_subdued="*neutral_600",  # "- or -", the footer's "Use via API"
)
