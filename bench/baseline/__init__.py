"""The bare baseline: a minimal Django project on the site's stack, the ceiling for our pages
and our webhook. Same Django, gunicorn, PostgreSQL server and database-connection settings as
the site; no middleware, no apps, no templates. Two views: `GET /ok` and `POST /insert`."""
