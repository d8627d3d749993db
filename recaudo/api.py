"""The REST API root: /api/v1, OpenAPI at /api/v1/docs."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Recaudo API",
    version="1",
    description="Debtors, debts and payments of one creditor, authenticated by an API key.",
    urls_namespace="api-v1",
)
