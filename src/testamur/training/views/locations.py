"""Delivery locations."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from testamur.core.permissions import require_permission
from testamur.training import selectors, services
from testamur.training.forms import LocationForm
from testamur.training.models import DeliveryLocation
from testamur.training.views.common import form_page, save_form


@require_permission("training.view_deliverylocation")
def location_list(request):
    page_obj = selectors.paginate(selectors.location_list(), request.GET.get("page"))
    return render(request, "training/location_list.html", {"page_obj": page_obj})


@require_permission("training.add_deliverylocation")
def location_create(request):
    form = LocationForm(request.POST or None)
    done = save_form(
        request,
        form,
        lambda data: services.location_create(actor=request.user, **data),
        success="Delivery location {saved.name} added.",
        redirect_to=lambda location: reverse("training:location_list"),
    )
    return done or form_page(
        request,
        form,
        title="Add a delivery location",
        crumbs=[("Delivery locations", reverse("training:location_list"))],
        cancel_url=reverse("training:location_list"),
        submit="Add location",
    )


@require_permission("training.change_deliverylocation")
def location_edit(request, pk: int):
    location = get_object_or_404(DeliveryLocation, pk=pk)
    form = LocationForm(request.POST or None, instance=location)
    done = save_form(
        request,
        form,
        lambda data: services.location_update(location=location, actor=request.user, data=data),
        success="Delivery location {saved.name} saved.",
        redirect_to=lambda location: reverse("training:location_list"),
    )
    if done:
        return done
    location.refresh_from_db()
    return form_page(
        request,
        form,
        title=f"Edit delivery location {location.name}",
        crumbs=[("Delivery locations", reverse("training:location_list"))],
        cancel_url=reverse("training:location_list"),
    )
