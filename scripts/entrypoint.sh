#!/bin/sh
# Container entrypoint: migrate, check the content, then serve with gunicorn.
# Migrations run here, never inside create_app.
set -e
python manage.py db upgrade
python manage.py content check
exec gunicorn "wsgi:app" \
  --bind "0.0.0.0:${PORT:-8000}" \
  --worker-class gevent \
  --workers "${WEB_CONCURRENCY:-2}" \
  --worker-connections 1000 \
  --no-control-socket \
  --access-logfile - \
  --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}"
