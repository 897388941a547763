# One image for the API and the worker; docker-compose.yml chooses the command.
FROM python:3.11-slim

WORKDIR /app
ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ESCALATOR_POLICIES_DIR=/app/policies

COPY pyproject.toml README.md worker.py ./
COPY escalator escalator
COPY workflows workflows
COPY activities activities
COPY api api
COPY models models
COPY policies policies
RUN pip install --no-cache-dir .

RUN useradd --create-home escalator
USER escalator
EXPOSE 8000
CMD ["escalator", "api", "--host", "0.0.0.0"]
