# costcurve: the API on the embedded SQLite catalog (set COSTCURVE_DATABASE_URL for PostgreSQL,
# COSTCURVE_REDIS_URL for the shared results cache).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    COSTCURVE_HOST=0.0.0.0 \
    COSTCURVE_PORT=8000 \
    COSTCURVE_DATABASE_URL=sqlite:////var/lib/costcurve/costcurve.sqlite3 \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY service ./service
COPY migrations ./migrations
RUN pip install -e . \
 && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin costcurve \
 && mkdir -p /var/lib/costcurve \
 && chown costcurve /var/lib/costcurve

USER costcurve
EXPOSE 8000
VOLUME ["/var/lib/costcurve"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/livez', timeout=2).status == 200 else 1)"]
CMD ["costcurve", "serve", "--no-access-log"]
