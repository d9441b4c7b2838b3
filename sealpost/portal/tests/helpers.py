def order_post(**overrides):
    """POST data for the order form: two documents and the given recipients."""
    recipients = overrides.pop("recipients", [("ta-wei.chen@example.com", "WES Reference No. 1234567")])
    data = {
        "applicant_type": "alumnus",
        "documents": ["transcript:en", "degree_certificate:en"],
        "name_zh": "陳大偉",
        "name_en": "CHEN, TA-WEI",
        "phone": "0912-345-678",
        "email": "ta-wei.chen@example.com",
        "wes_reference": "",
        "remarks": "",
        "recipients-TOTAL_FORMS": str(len(recipients)),
        "recipients-INITIAL_FORMS": "0",
        "recipients-MIN_NUM_FORMS": "1",
        "recipients-MAX_NUM_FORMS": "10",
        "action": "review",
    }
    for i, (email, message) in enumerate(recipients):
        data[f"recipients-{i}-email"] = email
        data[f"recipients-{i}-message"] = message
    data.update(overrides)
    return data
