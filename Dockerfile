# Inside Flask — production images, one Dockerfile:
#   default target: the app (gunicorn with gunicorn.conf.py; INSIDE_FLASK_ROLE=ws for the websocket pool)
#   --target proxy: Debian's nginx with deploy/nginx.conf.template and the precompressed static files
# Stage 1 builds wheels with the compilers; the app runs them as a non-root user.

FROM python:3.11-slim AS build
WORKDIR /build
COPY requirements.txt .
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

FROM python:3.11-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    INSIDE_FLASK_CONFIG=production
RUN groupadd --system app && useradd --system --gid app --home-dir /srv/app app
WORKDIR /srv/app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY --chown=app:app . .
# The playground's Pyodide runtime and Flask wheels, checked against scripts/playground-assets.lock.json.
RUN python scripts/playground_assets.py --cache /tmp/playground-cache && rm -rf /tmp/playground-cache
# Build output (not in git): the compiled message catalogs (fails if they cannot compile)
# and the precompressed .gz/.br copies of the static files (`make assets`).
RUN pybabel -q compile -d app/translations \
    && python deploy/build_assets.py \
    && mkdir -p instance && chown app:app instance
USER app
# Render the course once, here: the catalog and its search index go to instance/content-cache,
# keyed by a hash of the content, and every process of the container unpickles them (~0.2 s).
RUN INSIDE_FLASK_CONFIG=testing python -c "from app import create_app; create_app().extensions['content'].load()"
EXPOSE 8000
# Every 10 s: compose starts the proxy only once the pools are healthy, and the first check
# comes one interval after the start.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
ENTRYPOINT ["sh", "deploy/entrypoint.sh"]

FROM debian:bookworm-slim AS proxy
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       nginx libnginx-mod-http-brotli-static libnginx-mod-http-brotli-filter python3 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/app
COPY deploy/ deploy/
COPY --from=app /srv/app/app/static app/static
EXPOSE 80
ENTRYPOINT ["python3", "deploy/proxy.py"]

# The default target: the app image.
FROM app
