# One image for every service of docker-compose.yml (migrate, worker, scheduler, dashboard, simulators).
# Pinned base: the Python minor the project is tested on, on Debian 12 like the CI machines.
FROM python:3.11.11-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY assessment assessment
COPY cli cli
COPY config config
COPY connectors connectors
COPY dashboard dashboard
COPY mapping mapping
COPY reconciliation reconciliation
COPY records records
COPY simulators simulators
COPY store store
COPY sync sync
RUN python -m venv /opt/lienthong && /opt/lienthong/bin/pip install --upgrade pip && /opt/lienthong/bin/pip install .

FROM python:3.11.11-slim-bookworm

# weasyprint's Pango and the fonts of the printed books (Vietnamese diacritics: DejaVu);
# pg_dump for `lienthong backup` on PostgreSQL; no compilers in the final image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
       fonts-dejavu-core postgresql-client tzdata \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/lienthong /opt/lienthong
RUN useradd --system --uid 10001 --home-dir /var/lib/lienthong --create-home lienthong
USER lienthong
WORKDIR /var/lib/lienthong
ENV PATH=/opt/lienthong/bin:$PATH PYTHONUNBUFFERED=1 TZ=Asia/Ho_Chi_Minh
EXPOSE 8100
CMD ["lienthong", "--help"]
