"""A separate process that archives one batch and stops between the copy and the delete.

Usage: python -m tests.workers.archive_batch FLAG NOW_ISO MONTHS BATCH
Touches FLAG once the batch is copied (uncommitted), then sleeps until killed.
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
    from recaudo.privacy import archive

    flag, now, months, batch = (
        Path(sys.argv[1]),
        datetime.fromisoformat(sys.argv[2]),
        int(sys.argv[3]),
        int(sys.argv[4]),
    )

    def hang() -> None:
        flag.touch()
        time.sleep(120)

    archive.move_batch(
        archive.OutreachSource(), archive.months_before(now, months), batch, now, after_copy=hang
    )


if __name__ == "__main__":
    main()
