"""About: how the dashboard reaches its judgements (status, RAG, SPC, benchmarks, small
numbers, gaps) and where its data comes from."""

from components.about_view import render_about
from components.access import require_role

require_role("viewer")
render_about()
