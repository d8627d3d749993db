"""A separate process that records payments, for concurrency tests.

Usage: python -m tests.workers.pay DEBTOR_ID PREFIX COUNT AMOUNT
Waits for the file named by START_FLAG (if set) so that all workers start together.
"""

import os
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    import django

    django.setup()
    from recaudo.portfolio.actions import record_payment
    from recaudo.portfolio.models import Debtor

    debtor_id, prefix, count, amount = (
        sys.argv[1],
        sys.argv[2],
        int(sys.argv[3]),
        Decimal(sys.argv[4]),
    )
    debtor = Debtor.objects.select_related("creditor").get(pk=debtor_id)
    flag = os.environ.get("START_FLAG")
    deadline = time.monotonic() + 30
    while flag and not Path(flag).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    created = 0
    for number in range(count):
        result = record_payment(
            creditor=debtor.creditor,
            debtor=debtor,
            external_id=f"{prefix}-{number}",
            amount=amount,
            currency=debtor.creditor.default_currency,
            paid_at=datetime.now(UTC),
            actor=f"test:{prefix}",
        )
        created += result.created
    print(created)


if __name__ == "__main__":
    main()
