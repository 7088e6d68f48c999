#!/bin/sh
# App container entrypoint: migrate once, then gunicorn with the repo's gunicorn.conf.py.
#
# `manage.py db upgrade` builds the production app, which builds and checks the content
# catalog (production refuses to start on invalid content): that is the content check, done
# once here. gunicorn then builds the catalog once more, in its master (preload_app), before
# forking the workers. docker-compose runs the migration in its own one-off service and sets
# RUN_MIGRATIONS=0 here, so N instances never race each other's migrations.
set -e
if [ "${RUN_MIGRATIONS:-1}" = "1" ]; then
  python manage.py db upgrade
fi
exec gunicorn -c gunicorn.conf.py --bind "0.0.0.0:${PORT:-8000}" wsgi:app
