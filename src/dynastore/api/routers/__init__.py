"""One module per application store. Each has ``router`` (a FastAPI APIRouter) and ``setup(ctx)``,
which builds its store on the shared `ApiContext` and creates its tables (see ``api/app.py``)."""
