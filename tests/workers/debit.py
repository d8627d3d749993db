"""A separate process that charges due direct debits, for concurrency tests.

Usage: python -m tests.workers.debit NOW_ISO BATCH
Claims ``BATCH`` instalments at a time and charges them until nothing is left
(``payments.debit_charges.charge_due_debits``); prints how many it charged. Waits for the file named
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
    from recaudo.payments import debit_charges

    now, batch = datetime.fromisoformat(sys.argv[1]), int(sys.argv[2])
    flag = os.environ.get("START_FLAG")
    deadline = time.monotonic() + 30
    while flag and not Path(flag).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    print(debit_charges.charge_due_debits(now, batch).get("succeeded", 0))


if __name__ == "__main__":
    main()
