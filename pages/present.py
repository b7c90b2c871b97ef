"""Presenter mode for the board meeting: the overview and each theme as a slide."""
from components.presenter_view import render_presenter

render_presenter()
