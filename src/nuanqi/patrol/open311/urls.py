from django.urls import path, re_path

from . import views

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    path("", views.root, name="open311_root"),
    re_path(r"^discovery" + FMT, views.discovery, name="open311_discovery"),
    re_path(r"^services" + FMT, views.services, name="open311_services"),
    re_path(r"^services/(?P<code>[A-Za-z0-9_\-]+)" + FMT, views.definition, name="open311_definition"),
    re_path(r"^requests" + FMT, views.requests, name="open311_requests"),
    re_path(r"^requests/(?P<number>[A-Za-z0-9\-]+)" + FMT, views.request_detail, name="open311_request"),
    re_path(r"^servicerequestupdates\.(?P<fmt>xml)$", views.updates, name="open311_updates"),
    path("media/<int:attachment_id>.jpg", views.media, name="open311_media"),
    # Anything else under the prefix (an unknown resource, or a format other than .json and .xml) gets the
    # spec's error array, not the site's HTML 404.
    re_path(r"^(?P<rest>.+)$", views.unknown, name="open311_unknown"),
]
