"""Pages and endpoints of the sandbox gateway (see sandbox.py): the gateway URL that Alipay's clients talk
to, and the cashier page where the demo payer pays or declines.

``/sandbox/alipay/gateway/`` takes ``alipay.trade.page.pay`` (the payer's browser, usually GET): the request
is verified with the app public key, the trade opened, and the browser sent on to the cashier page (as Alipay
sends it on to its cashier). ``alipay.trade.query`` and ``alipay.trade.refund`` (server to server, POST) are
answered with signed JSON, like Alipay's. Everything answers 404 once real Alipay settings are configured.
"""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any

from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from orders.models import SandboxTrade
from orders.payments import sandbox
from orders.payments.alipay import PAGE_PAY_PRODUCT_CODE
from orders.payments.signing import rsa2_verify
from orders.payments.tasks import sandbox_notify

logger = logging.getLogger(__name__)

CHECKOUT_SALT = "orders.payments.sandbox.checkout"
PAGE_PAY = "alipay.trade.page.pay"


def _require_sandbox() -> None:
    if not sandbox.sandbox_enabled():
        raise Http404


def _request_params(request: HttpRequest) -> dict[str, str]:
    # Alipay's SDKs put the common parameters in the query string or the form, or split them between both.
    return {**request.GET.dict(), **request.POST.dict()}


def _signed_by_app(params: dict[str, str]) -> bool:
    return params.get("sign_type") == "RSA2" and rsa2_verify(params, sandbox.keys().app.public_pem)


def _biz_content(params: dict[str, str]) -> dict[str, Any] | None:
    try:
        biz = json.loads(params.get("biz_content", ""))
    except ValueError:
        return None
    return biz if isinstance(biz, dict) else None


def _error_page(request: HttpRequest, title: str, message: str) -> HttpResponse:
    return render(
        request, "orders/sandbox_pay.html", {"error_title": title, "error_message": message}, status=400
    )


@never_cache
@csrf_exempt  # called by servers and by browsers arriving from the merchant's site; every request is signed
@require_http_methods(["GET", "POST"])
def gateway(request: HttpRequest) -> HttpResponse:
    _require_sandbox()
    params = _request_params(request)
    method = params.get("method", "")
    if method == PAGE_PAY:
        return _page_pay(request, params)
    if method in sandbox.API_METHODS:
        return _api(method, params)
    body = sandbox.signed_response_body(
        "error_response", sandbox.invalid_arguments("isv.invalid-method", "不存在的方法名")
    )
    return HttpResponse(body, content_type="application/json;charset=utf-8")


def _page_pay(request: HttpRequest, params: dict[str, str]) -> HttpResponse:
    if not _signed_by_app(params):
        return _error_page(
            request,
            _("Invalid signature"),
            _("This payment request does not carry a valid signature of the merchant."),
        )
    biz = _biz_content(params)
    amount = sandbox.parse_amount(biz.get("total_amount")) if biz else None
    out_trade_no = biz.get("out_trade_no") if biz else None
    subject = biz.get("subject") if biz else None
    notify_url, return_url = params.get("notify_url", ""), params.get("return_url", "")
    if (
        biz is None
        or params.get("app_id") != sandbox.APP_ID
        or amount is None
        or not isinstance(out_trade_no, str)
        or not 0 < len(out_trade_no) <= 64
        or not isinstance(subject, str)
        or not subject
        or biz.get("product_code") != PAGE_PAY_PRODUCT_CODE
        or not sandbox.is_web_url(notify_url)
        or not sandbox.is_web_url(return_url)
    ):
        return _error_page(
            request,
            _("Invalid payment request"),
            _("This payment request is incomplete or malformed."),
        )
    trade = sandbox.trade_open(
        out_trade_no=out_trade_no,
        total_amount=amount,
        subject=subject,
        notify_url=notify_url,
        return_url=return_url,
    )
    return redirect("sandbox:alipay_checkout", token=signing.dumps(trade.pk, salt=CHECKOUT_SALT))


def _api(method: str, params: dict[str, str]) -> HttpResponse:
    response_key = method.replace(".", "_") + "_response"
    biz = _biz_content(params)
    if not _signed_by_app(params):
        value = sandbox.invalid_arguments("isv.invalid-signature", "验签出错")
    elif params.get("app_id") != sandbox.APP_ID:
        value = sandbox.invalid_arguments("isv.invalid-app-id", "无效的AppID参数")
    elif biz is None:
        value = sandbox.invalid_arguments("isv.invalid-parameter", "biz_content 不是 JSON 对象")
    else:
        value = sandbox.API_METHODS[method](biz)
    body = sandbox.signed_response_body(response_key, value)
    return HttpResponse(body, content_type="application/json;charset=utf-8")


def _trade_for_token(token: str) -> SandboxTrade:
    try:
        trade_id = signing.loads(token, salt=CHECKOUT_SALT)
    except signing.BadSignature as exc:
        raise Http404 from exc
    return get_object_or_404(SandboxTrade, pk=trade_id)


def _back_to_merchant(trade: SandboxTrade) -> str:
    """Where the payer returns: after a payment with Alipay's signed return parameters; after a decline
    without any (Alipay sends none when the payer gives up)."""
    if trade.paid_at is not None:
        return sandbox.url_with_params(trade.return_url, sandbox.return_params(trade))
    return trade.return_url


@never_cache
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, token: str) -> HttpResponse:
    """The cashier: the trade's subject and amount with Pay and Decline."""
    _require_sandbox()
    trade = _trade_for_token(token)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "pay":
            if sandbox.trade_pay(trade_id=trade.pk):
                # robust: a broker outage must not turn the payer's redirect into an error page.
                transaction.on_commit(partial(sandbox_notify.delay, trade.pk), robust=True)
        elif action == "decline":
            sandbox.trade_decline(trade_id=trade.pk)
        else:
            return _error_page(request, _("Invalid payment request"), _("Choose Pay or Decline."))
        trade.refresh_from_db()
        return HttpResponseRedirect(_back_to_merchant(trade))
    if trade.paid_at is not None:
        state = "paid"
    elif trade.status == sandbox.TRADE_CLOSED:
        state = "closed"
    else:
        state = "open"
    return render(
        request,
        "orders/sandbox_pay.html",
        {
            "trade": trade,
            "state": state,
            "merchant": sandbox.APP_ID,
            "back_url": _back_to_merchant(trade),
        },
    )
