"""Human review in JupyterLab: a coder's session and the widget over it."""
