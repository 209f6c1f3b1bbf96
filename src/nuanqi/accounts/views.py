"""One's own API tokens: the list (never the tokens themselves, which are shown once) and revoking one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .models import ApiToken, User


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    mine = ApiToken.objects.filter(user=user)
    if request.method == "POST":
        token_id = request.POST.get("token", "")
        # Someone else's token, or no token at all, is not there (404), like every object one may not see.
        token = mine.filter(pk=int(token_id)).first() if token_id.isdigit() and len(token_id) < 19 else None
        if token is None:
            raise Http404
        if not token.revoked:
            token.revoked = True
            token.save(update_fields=["revoked"])
        messages.success(request, _("已吊销令牌 %(prefix)s…") % {"prefix": token.prefix})
        return redirect("token_list")
    return render(request, "accounts/tokens.html", {"tokens": list(mine.order_by("-created_at"))})
