"""The blog's routes, one module per area of the site."""
