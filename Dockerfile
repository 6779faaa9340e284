FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gymsales gymsales
COPY whatsapp whatsapp
COPY templates_app templates_app
COPY automations automations
COPY reporting reporting
COPY manage.py ./
RUN pip install --no-cache-dir . && DEBUG=false SECRET_KEY=build SECRETS_ENCRYPTION_KEYS=build python manage.py collectstatic --noinput
RUN useradd --create-home app
USER app
EXPOSE 8000
CMD ["python", "-m", "gymsales.serve"]
