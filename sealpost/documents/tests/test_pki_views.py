from cryptography import x509


def test_ca_certificate_is_public(client):
    response = client.get("/pki/ca.pem")
    assert response.status_code == 200
    certificate = x509.load_pem_x509_certificate(response.content)
    assert certificate.issuer == certificate.subject  # the root a verifier trusts


def test_demo_crl_is_public(client):
    response = client.get("/pki/ca.crl")
    assert response.status_code == 200
    crl = x509.load_der_x509_crl(response.content)
    ca = x509.load_pem_x509_certificate(client.get("/pki/ca.pem").content)
    assert crl.issuer == ca.subject and len(crl) == 0  # signed by the CA, nothing revoked
