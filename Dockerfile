# Inside Flask — production image.
# Stage 1 builds wheels with the compilers; stage 2 runs them as a non-root user.

FROM python:3.11-slim AS build
WORKDIR /build
COPY requirements.txt .
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    INSIDE_FLASK_CONFIG=production
RUN groupadd --system app && useradd --system --gid app --home-dir /srv/app app
WORKDIR /srv/app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY --chown=app:app . .
# The .mo catalogs are build output (not in git): compile them into the image.
RUN pybabel -q compile -d app/translations \
    && mkdir -p instance && chown app:app instance
USER app
EXPOSE 8000
# gevent workers: an open websocket is a cheap greenlet, not a whole thread
# (under gthread every open socket holds one of the worker's threads).
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
ENTRYPOINT ["sh", "scripts/entrypoint.sh"]
