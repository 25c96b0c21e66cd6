# One image for every process (they share one environment, as in development):
#   docker run IMAGE actions | rasa | web | reminders   (see scripts/serve.sh, docker-compose.yml)
# Python 3.10 is inside rasa 3.6's supported range, so the pinned set installs the ordinary way.
FROM python:3.10.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false PYTHON=python

# espeak-ng and opus-tools speak the voice notes nobody recorded (trainer/audio.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm espeak-ng opus-tools \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements/ requirements/
RUN pip install -r requirements/requirements.txt -c requirements/lock.txt

COPY web/package.json web/package-lock.json web/
RUN cd web && npm ci --ignore-scripts --omit=dev && npm cache clean --force

COPY . .
# The model is trained and the grader fitted into the image, so every replica serves the same
# ones and starts in seconds.
RUN python scripts/train.py --config config.yml --out models \
    && python -m trainer fit \
    && useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin trainer \
    && mkdir -p var && chown -R trainer var

USER trainer
EXPOSE 5005 5055 8080
ENTRYPOINT ["scripts/serve.sh"]
CMD ["rasa"]
