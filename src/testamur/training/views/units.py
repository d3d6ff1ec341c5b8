"""Units and the outcome code table."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from testamur.core.permissions import require_permission
from testamur.training import selectors, services
from testamur.training.forms import SearchForm, UnitForm
from testamur.training.models import Unit
from testamur.training.views.common import form_page, save_form


@require_permission("training.view_unit")
def unit_list(request):
    search = SearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    page_obj = selectors.paginate(selectors.unit_list(search=q), request.GET.get("page"))
    return render(request, "training/unit_list.html", {"search": search, "page_obj": page_obj})


@require_permission("training.add_unit")
def unit_create(request):
    form = UnitForm(request.POST or None)
    done = save_form(
        request,
        form,
        lambda data: services.unit_create(actor=request.user, **data),
        success="Unit {saved.code} added.",
        redirect_to=lambda unit: reverse("training:unit_list") + f"?q={unit.code}",
    )
    return done or form_page(
        request,
        form,
        title="Add a unit",
        crumbs=[("Units", reverse("training:unit_list"))],
        cancel_url=reverse("training:unit_list"),
        submit="Add unit",
    )


@require_permission("training.change_unit")
def unit_edit(request, pk: int):
    unit = get_object_or_404(Unit, pk=pk)
    form = UnitForm(request.POST or None, instance=unit)
    done = save_form(
        request,
        form,
        lambda data: services.unit_update(unit=unit, actor=request.user, data=data),
        success="Unit {saved.code} saved.",
        redirect_to=lambda unit: reverse("training:unit_list") + f"?q={unit.code}",
    )
    if done:
        return done
    unit.refresh_from_db()
    return form_page(
        request,
        form,
        title=f"Edit unit {unit.code}",
        crumbs=[("Units", reverse("training:unit_list"))],
        cancel_url=reverse("training:unit_list"),
    )


# Outcome codes


@require_permission("training.view_outcomecode")
def outcome_code_list(request):
    (current_label, current), (other_label, other) = selectors.outcome_code_sets()
    context = {
        "current_label": current_label,
        "current": current,
        "other_label": other_label,
        "other": other,
    }
    return render(request, "training/outcome_code_list.html", context)
