# Image for the web, worker and beat services of docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# WeasyPrint's libraries, fast font subsetting, and the CJK font the PDFs name explicitly;
# pg_dump and pg_restore for manage.py backup / restore (PostgreSQL 15, as docker-compose's).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk curl \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install -e .
COPY . .
RUN DJANGO_ENV=development python manage.py collectstatic --noinput

RUN useradd --create-home portal && mkdir -p /app/media /app/backups \
    && chown portal /app/media /app/backups
USER portal
EXPOSE 8000
CMD ["gunicorn", "tainan_rdec.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
