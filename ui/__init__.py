"""The Streamlit edge: session state, caching, tables, charts, text and widgets for the pages (ARCHITECTURE.md).

Pages import the module they need (``from ui import session, tables``); ``analytics`` never imports ``ui``.
"""
