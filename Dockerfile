# One image for every Escalator service; docker-compose.yml chooses the command.
FROM python:3.11-slim

WORKDIR /app
ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# Dependencies first, from pyproject.toml alone, so a code change rebuilds only the layer below.
COPY pyproject.toml ./
RUN python -c "import subprocess, sys, tomllib; \
deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
subprocess.check_call([sys.executable, '-m', 'pip', 'install', *deps])"

# The package itself, a plain (not editable) install: its migrations and example policies
# are package data, so the image keeps no source tree.
COPY README.md worker.py ./
COPY escalator escalator
COPY workflows workflows
COPY activities activities
COPY api api
COPY models models
RUN pip install --no-deps . && rm -rf /app/*

RUN useradd --create-home escalator
USER escalator
EXPOSE 8000 2525
CMD ["escalator", "api", "--host", "0.0.0.0"]
