"""The web dashboard: principal, homeroom teacher and IT pages over the services (FastAPI, Jinja2, Vietnamese)."""
