# syntax=docker/dockerfile:1
# One image for the web server, the Celery worker and Celery beat (see docker-compose.yml).
FROM python:3.11-slim

# PYTHONPATH: the settings find templates/, static/ and locale/ next to the package, so it is
# imported from /app, not from the copy pip puts in site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=gansu_mall.settings \
    GUNICORN_WORKERS=3

WORKDIR /app

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

# Dependencies first, in their own layer, so a code change does not reinstall them.
COPY pyproject.toml ./
COPY requirements/constraints.txt requirements/constraints.txt
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -c requirements/constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
RUN pip install -c requirements/constraints.txt . \
    && rm -rf build *.egg-info

# Static files are collected into the image (STATIC_ROOT, /app/staticfiles) and served by WhiteNoise.
# The settings need these at import time; they are used for this step only, never at run time.
RUN SECRET_KEY=build-only DEBUG=0 ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput

# Writable by the app user: uploads (a named volume in docker-compose.yml) and var/.
# The code itself stays owned by root, read-only to the app.
RUN mkdir -p /app/media /app/var && chown app:app /app/media /app/var

USER app

EXPOSE 8000

CMD ["sh", "-c", "exec gunicorn gansu_mall.wsgi:application --bind 0.0.0.0:8000 --workers \"${GUNICORN_WORKERS:-3}\" --access-logfile - --error-logfile -"]
