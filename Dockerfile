# Recaudo's image, built from this repository: `docker build -t recaudo .`
# One image for every role; deploy/entrypoint.sh picks it from the first
# argument (web, worker, migrate, or any command). See docs/operations.md#containers.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/recaudo/bin:$PATH \
    RECAUDO_VAR_DIR=/srv/recaudo/var \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8000

# The service's own user: owns nothing but var/, runs everything.
RUN groupadd --system --gid 10001 recaudo \
    && useradd --system --uid 10001 --gid recaudo --home-dir /srv/recaudo \
       --shell /usr/sbin/nologin recaudo

# The package from this checkout (not an editable install), in a venv of its own.
COPY pyproject.toml README.md manage.py /src/
COPY recaudo /src/recaudo
RUN python -m venv /opt/recaudo \
    && /opt/recaudo/bin/pip install --upgrade pip==25.3 \
    && /opt/recaudo/bin/pip install /src \
    && rm -rf /src

# Static files collected into the image (WhiteNoise serves them). The key is a
# throwaway for this one command, so that no secret_key file is generated into
# the image; the real SECRET_KEY comes from the environment at run time.
RUN mkdir -p /srv/recaudo/var \
    && SECRET_KEY=collectstatic-at-build-time-only-never-used-to-sign-anything-0123456789 \
       recaudo collectstatic --no-input --verbosity 0 \
    && chown -R recaudo:recaudo /srv/recaudo

# The script is executable in the repository; COPY keeps its mode.
COPY deploy/entrypoint.sh /usr/local/bin/recaudo-entrypoint

USER recaudo
WORKDIR /srv/recaudo
EXPOSE 8000

# /healthz answers 200 while the process serves (no database needed); the worker
# and migrate roles have no web server: compose.yaml turns this check off for them.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('WEB_PORT', '8000'), timeout=4)"]

# SIGTERM (docker stop) lets the web server finish requests in flight and the
# worker finish its batch; give them the time (docker stop -t, stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["recaudo-entrypoint"]
CMD ["web"]
