from django.core.management.base import BaseCommand
from django.db import transaction

from testamur.organisation.models import Organisation
from testamur.training.finalisation.learner_status import learner_inactive_rule_apply

RULE_OFF = "The rule is off: no enrolment statuses are chosen in the organisation settings."


class Command(BaseCommand):
    help = (
        "Mark inactive every active learner whose enrolments are all in the statuses chosen "
        "in the organisation settings (for records from before the rule was set)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the learners without changing them."
        )

    def handle(self, *args, **options):
        if not Organisation.load().learner_inactive_statuses:
            self.stdout.write(RULE_OFF)
            return
        with transaction.atomic():
            learners = learner_inactive_rule_apply(actor=None)
            for learner in learners:
                self.stdout.write(f"{learner.client_id} {learner.full_name}")
            verb = "Would mark" if options["dry_run"] else "Marked"
            self.stdout.write(f"{verb} {len(learners)} learner(s) inactive.")
            if options["dry_run"]:
                transaction.set_rollback(True)
