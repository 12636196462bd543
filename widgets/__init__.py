"""Front-end sources (ES modules and CSS) of concordlab's anywidgets.

This folder is installed as the package ``concordlab._static`` (see ``pyproject.toml``), so
``importlib.resources.files("concordlab._static")`` finds these files in a wheel and in an
editable install alike. It holds no Python code.
"""
