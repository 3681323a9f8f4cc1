# Production image: gunicorn, DEBUG off, non-root, only the main dependencies
# and the Redis client (CACHE_URL=redis://... for throttle counters shared by
# every replica). Without it the workers share their counters in SQLite files
# under CACHE_DIR: /tmp is writable by the non-root user (mount an emptyDir
# there with a read-only root filesystem).
# The same commands run in tests/deploy/test_production_server.py (collectstatic,
# gunicorn with config/gunicorn.py, the health probe).

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true \
    POETRY_NO_INTERACTION=1
RUN pip install --no-cache-dir "poetry==2.5.1"
WORKDIR /app
COPY pyproject.toml poetry.lock ./
RUN poetry sync --only main,redis --no-root

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings \
    STATIC_ROOT=/app/staticfiles \
    CACHE_DIR=/tmp/rear-diff-cache
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY config ./config
COPY media ./media
COPY manage.py ./
# Importing the settings starts no database and writes no key, so collectstatic
# needs nothing configured (tests/deploy/test_embedded_postgres.py runs it the same way).
RUN python manage.py collectstatic --no-input && chown -R app:app /app/staticfiles
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-m", "config.healthcheck"]
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.asgi:application"]
