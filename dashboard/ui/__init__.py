"""The only Streamlit code outside pages/: session, shared widgets, cached data access."""
