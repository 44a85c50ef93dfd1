"""Need-to-know (stage 0): the roles, every permission check, passwords and sessions.

Ground floor, so that the layer files' ``visible_to`` is checked against the one
:class:`~buitengebied.access.roles.Role` enum.  Knows nothing of the store, the scoring
stage or Streamlit; what a role may see of scoring outputs is cut out by
:mod:`buitengebied.presentation.redact`, which asks :mod:`.permissions`.
"""
