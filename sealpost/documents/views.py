"""The institution's public certificate and, for the demo PKI, its revocation list: what a
verifier needs to check a document offline (`sealpost verify FILE --trust ca.pem`)."""

from django.http import Http404, HttpResponse
from django.views.decorators.cache import cache_control

from sealpost.documents import keys, pki


@cache_control(public=True, max_age=3600)
def ca_certificate(request):
    response = HttpResponse(keys.certificate_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="sealpost-ca.pem"'
    return response


@cache_control(public=True, max_age=3600)
def ca_crl(request):
    if not keys.is_demo():
        raise Http404  # a real CA publishes its own CRL
    return HttpResponse(pki.ensure_demo_pki().crl.read_bytes(), content_type="application/pkix-crl")
