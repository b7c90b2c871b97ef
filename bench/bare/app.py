"""The bare one-page Streamlit app the dashboard's start-up is compared with: a title, a
sentence and a small table, nothing else."""
import pandas as pd
import streamlit as st

st.title("Bare app")
st.write("The smallest page Streamlit serves, for comparison.")
st.dataframe(pd.DataFrame({"district": ["Blaby", "Melton"], "value": [1, 2]}))
