"""Imports the command modules that live outside ``cli/__init__.py`` so they register on the app.

Add one line per module, alphabetically; each module decorates its functions with ``@app.command()``
(or adds a sub-app with ``app.add_typer``).
"""
