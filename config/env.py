"""The one reader of the environment, for the settings and for gunicorn's config.

Both read the process environment and the optional `.env` beside manage.py, so
a variable written in `.env` reaches gunicorn (GUNICORN_*, MIGRATE_ON_START)
exactly as it reaches Django. The process environment wins over the file.
https://django-environ.readthedocs.io/en/latest/quickstart.html
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; a missing file is fine
