"""`manage.py monitoring_rollup [--rebuild]`: bring the monitoring rollups up to date now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from monitoring.rollups import catch_up, rebuild


class Command(BaseCommand):
    help = (
        "Fold the settled engine events into the monitoring rollups (the web process does this "
        "every few seconds; use this without a web process, or --rebuild after an upgrade)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="forget the rollups and fold every event again"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folded = rebuild() if options["rebuild"] else catch_up()
        self.stdout.write(f"folded {folded} events into the monitoring rollups")
