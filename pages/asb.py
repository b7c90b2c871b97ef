"""The anti-social behaviour theme: tiles, statement, trend, districts, quarters and map for
the shared filters (components/theme_view.py does the work)."""
from components.access import require_role
from components.theme_view import render_theme

require_role("viewer")
render_theme("asb")
