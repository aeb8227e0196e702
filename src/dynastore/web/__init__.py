"""Server-rendered web applications (Jinja2 + htmx, no build step) that ``dynastore serve`` mounts beside
the REST API. ``static/`` holds what they share: the vendored htmx and the stylesheet."""
