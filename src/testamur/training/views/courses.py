"""Courses."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from testamur.core.permissions import require_permission
from testamur.training import selectors, services
from testamur.training.forms import CourseFilterForm, CourseForm
from testamur.training.models import Course
from testamur.training.views.common import form_page, save_form


@require_permission("training.view_course")
def course_list(request):
    filters = CourseFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    courses = selectors.course_list(course_type=values.get("type", ""), search=values.get("q", ""))
    page_obj = selectors.paginate(courses, request.GET.get("page"))
    return render(request, "training/course_list.html", {"filters": filters, "page_obj": page_obj})


@require_permission("training.view_course")
def course_detail(request, pk: int):
    course = get_object_or_404(Course.objects.select_related("superseded_by"), pk=pk)
    context = {
        "course": course,
        "units": course.units.order_by("code"),
        "offers": selectors.course_offers(course=course),
        "supersedes": course.supersedes.order_by("code"),
    }
    return render(request, "training/course_detail.html", context)


@require_permission("training.add_course")
def course_create(request):
    form = CourseForm(request.POST or None)
    done = save_form(
        request,
        form,
        lambda data: services.course_create(actor=request.user, **data),
        success="Course {saved.code} added.",
        redirect_to=lambda course: reverse("training:course_detail", args=[course.pk]),
    )
    return done or form_page(
        request,
        form,
        title="Add a course",
        crumbs=[("Courses", reverse("training:course_list"))],
        cancel_url=reverse("training:course_list"),
        submit="Add course",
    )


@require_permission("training.change_course")
def course_edit(request, pk: int):
    course = get_object_or_404(Course, pk=pk)
    form = CourseForm(request.POST or None, instance=course)
    done = save_form(
        request,
        form,
        lambda data: services.course_update(course=course, actor=request.user, data=data),
        success="Course {saved.code} saved.",
        redirect_to=lambda course: reverse("training:course_detail", args=[course.pk]),
    )
    if done:
        return done
    course.refresh_from_db()
    detail = reverse("training:course_detail", args=[course.pk])
    return form_page(
        request,
        form,
        title=f"Edit course {course.code}",
        crumbs=[("Courses", reverse("training:course_list")), (course.code, detail)],
        cancel_url=detail,
    )
