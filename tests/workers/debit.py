"""A separate process that charges due direct debits, for concurrency tests.

Usage: python -m tests.workers.debit NOW_ISO BATCH
Claims ``BATCH`` instalments at a time (``payments.debit.claim_due``) and charges
them until nothing is left; prints how many it charged. Waits for the file named
by START_FLAG (if set) so that all workers start together.
"""

import os
import sys
import time
from datetime import datetime
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
    import django

    django.setup()
    from recaudo.payments import debit

    now, batch = datetime.fromisoformat(sys.argv[1]), int(sys.argv[2])
    flag = os.environ.get("START_FLAG")
    deadline = time.monotonic() + 30
    while flag and not Path(flag).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    charged = 0
    while claims := debit.claim_due(now, limit=batch):
        for claim in claims:
            charged += debit.charge(claim, now).status == "succeeded"
    print(charged)


if __name__ == "__main__":
    main()
