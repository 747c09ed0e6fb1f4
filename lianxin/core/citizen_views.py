"""The citizen's sign-in page (我的诉求): a mobile number, then the code sent to it by SMS.
Nothing of the number is kept between the two steps but the form itself: the code's row holds
only keyed hashes (core.citizens)."""

from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from .citizens import citizen_account_of, signin_code_check, signin_code_send
from .errors import LianxinError
from .masking import mask_phone
from .phones import normalise_phone, phone_keys
from .ratelimit import client_address

SESSION_KEYS = "citizen_phone_keys"
DEFAULT_NEXT = "/my/"


def citizen_phone_keys(request: HttpRequest) -> list[str]:
    """The lookup keys of the number the signed-in citizen proved (every key in use, so
    appeals written before a key rotation are found too); empty for anyone else."""
    user = request.user
    if not user.is_authenticated:
        return []
    account = citizen_account_of(user)
    if account is None:
        return []
    held = [k for k in request.session.get(SESSION_KEYS, []) if isinstance(k, str)]
    return held if account.phone_key in held else [account.phone_key]


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return DEFAULT_NEXT


@never_cache
def citizen_signin(request: HttpRequest) -> HttpResponse:
    p = request.POST
    context: dict[str, Any] = {
        "phone": p.get("phone", "").strip(),
        "next": _next(request),
        "step": "phone",
    }
    if request.method != "POST" and citizen_phone_keys(request):
        return redirect(context["next"])  # signed in already
    if request.method == "POST":
        address = client_address(request)
        try:
            if p.get("step") == "code":
                context["step"] = "code"
                user = signin_code_check(phone=p.get("phone"), code=p.get("code"), address=address)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                request.session[SESSION_KEYS] = phone_keys(p.get("phone"))
                request.session.set_expiry(settings.CITIZEN_SESSION_SECONDS)
                return redirect(context["next"])
            signin_code_send(phone=p.get("phone"), address=address)
            context["step"] = "code"
            context["sent_to"] = mask_phone(normalise_phone(p.get("phone")))
            context["minutes"] = max(1, settings.CITIZEN_CODE_SECONDS // 60)
        except LianxinError as exc:
            context["error"] = exc.message
            return render(request, "core/citizen_signin.html", context, status=exc.status)
    return render(request, "core/citizen_signin.html", context)
