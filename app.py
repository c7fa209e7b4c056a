"""Streamlit entry point: ``streamlit run app.py``. The page lives in estimator.ui."""

from estimator.ui import main

main()
