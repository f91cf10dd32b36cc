"""The pages: Jinja templates rendered on the server, and the app's own script and styles (``static/``).

No third-party front-end code: drag and drop is the browser's own (HTML5 drag events and pointer
events), live updates are ``EventSource``, and every text comes from the message catalogue
(docs/adr/0003-web-ui-stack.md says why).
"""

from __future__ import annotations

from pathlib import Path

UI_DIR = Path(__file__).resolve().parent
STATIC_DIR = UI_DIR / "static"
TEMPLATE_DIR = UI_DIR / "templates"
