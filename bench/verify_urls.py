"""The product's URLs plus a trivial view (a fixed short response through every middleware):
what the same gunicorn serves at best, for the verify_page benchmark to compare with."""

from django.http import HttpResponse
from django.urls import path

from testamur.core.permissions import public
from testamur.urls import urlpatterns as product


@public
def trivial(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/trivial", trivial), *product]
