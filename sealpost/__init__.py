"""sealpost: signed electronic academic records for university registrars."""

__version__ = "0.1.0"
