"""Overview: the latest figure for every indicator, for the chosen area."""
import streamlit as st

from components.cache import current_version, load_catalogue, load_observations
from components.overview_view import render_latest_values
from data_loaders import geography as geo
from data_loaders.catalogue import THEMES
from metrics.latest import compute_latest_values

st.title("Safer Communities performance")
version = current_version()
observations = load_observations(version)
area_options = [geo.BOARD_CODE, geo.COUNTY_CODE, *geo.DISTRICTS]
area = st.selectbox("Area", area_options, format_func=geo.area_name, key="overview_area")
latest = compute_latest_values(observations, load_catalogue(), area)
sample_ids = set(observations.loc[observations["is_sample"], "indicator_id"])
render_latest_values(latest, THEMES, sample_ids, geo.area_name(area))
