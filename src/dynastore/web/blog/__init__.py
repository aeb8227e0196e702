"""The blog + activity web app of seed 004 on `dynastore.apps.blog.BlogStore`.

``create_blog_app(ctx)`` is the FastAPI application (mounted at ``/`` by
``dynastore serve``); ``blog_component`` is its store on the shared
`ApiContext`, built and its tables created by ``blog_component.setup(ctx)``.
"""

from .app import create_blog_app
from .visit import blog_component

__all__ = ["blog_component", "create_blog_app"]
