"""Roles and settings (admins only): who has which role and from where, roles granted in the
app, and the small-number threshold. Sign-in and the admins themselves are set in the
secrets, not here (docs/deploying.md: Sign-in and roles)."""
import streamlit as st

from components.access import require_role, roles_config, roles_table, threshold_setting
from components.admin_view import (
                                   render_grants,
                                   render_history,
                                   render_message,
                                   render_roles,
                                   render_threshold,
)
from components.session import get_store

person = require_role("admin")
st.title("Roles and settings")
render_message()
granted = get_store().admin_values("role")
render_roles(person, roles_table(roles_config(), granted))
render_grants(person, granted)
render_threshold(*threshold_setting())
render_history(get_store().admin_history())
st.header("Set in the secrets, not here")
st.markdown("The identity provider (`[auth]`), the cookie secret, the admins and the contact "
            "named to people who are not on the list live in the server's secrets file: "
            "changing who can administer the dashboard needs access to the server, so a "
            "signed-in admin cannot hand it on, or lock everyone else out, from a browser.")
