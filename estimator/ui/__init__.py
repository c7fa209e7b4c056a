"""The Streamlit app. This package is the only part of ``estimator`` that imports streamlit.

``app.py`` at the repository root calls ``main()``; ``streamlit run app.py``.
"""

from .app import main

__all__ = ["main"]
