# Gapbot's Slack app over HTTP. compose.yaml runs it next to PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GAPBOT_HOME=/data

WORKDIR /app
# Installed in place (editable): the database migrations and the outreach templates
# are read from the source tree, as in a checkout.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY templates ./templates
RUN pip install --no-cache-dir -e . \
    && useradd --create-home gapbot \
    && mkdir -p /data \
    && chown gapbot /data

USER gapbot
EXPOSE 3000
# 0.0.0.0: requests come in through Docker's port mapping, not the container's loopback.
CMD ["gapbot", "serve", "--http", "--host", "0.0.0.0"]
