"""Presenter mode for the board meeting: the overview and each theme as a slide."""
from components.access import require_role
from components.presenter_view import render_presenter

require_role("viewer")
render_presenter()
