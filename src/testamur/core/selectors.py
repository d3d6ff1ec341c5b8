from testamur.credentials.selectors import credential_status_counts, runs_in_progress
from testamur.learners.models import Learner, UsiStatus
from testamur.training.models import CourseEnrolment, CourseOffer, EnrolmentStatus


def dashboard_counts() -> dict:
    return {
        "learners_active": Learner.objects.filter(is_active=True).count(),
        "usi_unverified": Learner.objects.filter(
            is_active=True, usi_status__in=[UsiStatus.NOT_SUPPLIED, UsiStatus.NOT_VERIFIED]
        ).count(),
        "enrolments_active": CourseEnrolment.objects.filter(status=EnrolmentStatus.ACTIVE).count(),
        "offers": CourseOffer.objects.count(),
        "credentials": credential_status_counts(),
        "runs_in_progress": runs_in_progress(),
    }
