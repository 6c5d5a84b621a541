"""The Streamlit edge: session state, caching, tables, charts and widgets for the pages (see ARCHITECTURE.md).

Pages import the module they need (``from ui import session, tables``); ``analytics`` never imports ``ui``.
"""

from ui.legacy import *  # noqa: F403  (the old single-module edge, until every page has moved over)
