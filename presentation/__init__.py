"""What the figures look like, without Streamlit: chart specs (Altair, Vega-Lite), map
layers (pydeck) and the judgements in words. The screen (components/) and the board pack
(reports/) both draw from here, so a slide and a page say and show the same."""
