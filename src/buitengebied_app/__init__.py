"""The Streamlit front of buitengebied: the shared map of the partners.

A front beside the library, as the CLI is: widgets, caching and session state, and calls
into :mod:`buitengebied`. The library never imports this package. Start it with
``buitengebied app DATA_DIR --store STORE``, which runs ``streamlit run`` on :mod:`.main`
with the hardened server settings.
"""
