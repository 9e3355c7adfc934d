# One image for every production process: gunicorn by default; compose.yaml runs the migrations, the Celery worker
# and beat from it with other commands.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# WeasyPrint renders invoice PDFs with pango; harfbuzz-subset keeps it fast; DejaVu gives every glyph a font.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin billing

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image (var/static, served by WhiteNoise); var/ is the only writable folder,
# for beat's schedule file.
RUN python manage.py collectstatic --noinput --verbosity 0 \
    && chown billing:billing var

USER billing

EXPOSE 8000

CMD ["gunicorn", "billing.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2"]
