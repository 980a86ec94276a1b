"""The cron line of the mail drill: `send_pending_emails` again and again until told to stop.

Production runs the command every 5 minutes; the drill runs it back to back, so that it races
the task worker over the same outbox rows. Started as `python -m tests.reliability.mail_drill_cron
<stop file>` with the production settings module; stops when the stop file exists.
"""

import os
import sys
import time


def main(stop_file: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    while not os.path.exists(stop_file):
        call_command("send_pending_emails", verbosity=0)
        time.sleep(0.1)


if __name__ == "__main__":
    main(sys.argv[1])
