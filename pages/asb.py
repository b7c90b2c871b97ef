"""The anti-social behaviour theme: tiles, statement, trend, districts, quarters and map for
the shared filters (components/theme_view.py does the work)."""
from components.theme_view import render_theme

render_theme("asb")
