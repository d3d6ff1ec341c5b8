import time

from django.core.management.base import BaseCommand

from testamur.demo.seed import demo_seed


class Command(BaseCommand):
    help = (
        "Load the demo RTO (Harbour City Training): staff logins, real national qualifications, "
        "offers, about 300 learners and their results. Safe to run again: it only adds what is "
        "missing, and reuses the logins kept in VAR_DIR/demo-logins.txt."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help="The address printed for signing in."
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        result = demo_seed()
        seconds = time.perf_counter() - started

        totals, created = result.totals, result.created
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready for Harbour City Training ({seconds:.1f} s).")
        )
        self.stdout.write(
            f"  {totals['learners']} learners, {totals['courses']} courses, "
            f"{totals['units']} units, {totals['offers']} course offers, "
            f"{totals['enrolments']} course enrolments, "
            f"{totals['unit_enrolments']} unit enrolments"
        )
        added = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in created.items())
        self.stdout.write(f"  added this run: {added}")

        width = max(len(login.password) for login in result.logins)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Sign in at {options['url']}"))
        self.stdout.write(f"  {'username':<10}{'password':<{width + 2}}role")
        for login in result.logins:
            self.stdout.write(f"  {login.username:<10}{login.password:<{width + 2}}{login.role}")
        self.stdout.write(f"  (kept in {result.logins_path})")
