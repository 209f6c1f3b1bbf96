"""The product's URLs plus one API endpoint that fails the way an unforeseen bug would, for the 500 test."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from nuanqi.urls import urlpatterns as product_urls


def _broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("an unforeseen bug")


urlpatterns = [path("api/v1/broken-for-test", _broken), *product_urls]
