"""The Streamlit dashboard over the published warehouse: `streamlit run dashboard/app.py`."""
