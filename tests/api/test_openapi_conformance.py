"""Every operation of the OpenAPI schema, fuzzed by schemathesis with an Owner's token.

Stateless: each operation gets valid and invalid requests generated from its schema (the
examples, coverage and fuzzing phases). Every response must have a documented status, match
its documented schema and content type, and no request may cause a server error. Path ids are
pinned to real records (an issued credential, its issue run, its learner and enrolment, a
qualification enrolment), so
success responses and their documents are checked too, not only 404s.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from testamur.accounts.roles import Role
from testamur.api.services import api_token_create
from testamur.wsgi import application
from tests.credentials.helpers import completed_offer, generated, issue, requested
from tests.factories import learner_make, qualification_enrolment_make
from tests.qualifications.helpers import CORE, achieve, individual_support

# Kept small so the whole test stays well under two minutes on two cores; raise it locally
# (with derandomize off) to search harder.
EXAMPLES = 12

# A rule the JSON Schema cannot state (a USI's check character, a date not in the future, a
# unique learner ID) refuses schema-valid input with 422 and the reason: that is acceptance of
# the input's shape, not a failure to accept it.
ACCEPTED_STATUSES = ["2xx", "401", "403", "404", "409", "422"]


@pytest.fixture
def owner(db, make_user):
    return make_user(Role.OWNER)


@pytest.fixture
def owner_auth(owner) -> dict:
    _, secret = api_token_create(user=owner, name="schemathesis")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def _keep_test_connection():
    """The WSGI handler closes the database connection after each request, as it should in
    production; here that would end the test's transaction. Django's test client does this too."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(owner, owner_auth, _keep_test_connection, django_capture_on_commit_callbacks):
    enrolments = completed_offer(2, units=2)
    credentials = generated(owner, requested(enrolments), django_capture_on_commit_callbacks)
    issue_run, _ = issue(owner, credentials[:1], django_capture_on_commit_callbacks)
    enrolment = enrolments[0]
    qualification = individual_support()
    learner = learner_make()
    achieve(learner, CORE[:4])
    qualification_enrolment = qualification_enrolment_make(learner, qualification, major="Ageing")
    config = schemathesis.Config.from_dict(
        {
            "generation": {
                "max-examples": EXAMPLES,
                "allow-x00": True,
                # The Owner's token is sent explicitly; schemathesis still probes each
                # operation without it and with a wrong one (the ignored_auth check).
                "with-security-parameters": False,
            },
            "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_STATUSES}},
            "parameters": {
                "learner_id": enrolment.learner_id,
                "enrolment_id": enrolment.pk,
                "unit_enrolment_id": enrolment.unit_enrolments.first().pk,
                "course_id": enrolment.offer.course_id,
                "offer_id": enrolment.offer_id,
                "credential_id": credentials[0].pk,
                "run_id": issue_run.pk,
                "qualification_id": qualification.pk,
                "qualification_enrolment_id": qualification_enrolment.pk,
            },
        }
    )
    return schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", application, config=config, headers=owner_auth
    )


@pytest.fixture
def _node_id_for_schemathesis(request):
    # schemathesis 4.32 labels each operation's subtest through `node._nodeid`, which pytest 9
    # no longer has; give it the attribute it reads and writes.
    request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.usefixtures("_node_id_for_schemathesis")
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_to_the_schema(case, owner_auth):
    case.call_and_validate(headers=owner_auth)
