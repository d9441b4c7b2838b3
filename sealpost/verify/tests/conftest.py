from .forgery import document, issued_pdf, officer, order  # noqa: F401 - fixtures
