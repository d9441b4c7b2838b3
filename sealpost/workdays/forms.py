from django import forms
from django.utils.translation import gettext_lazy as _

from sealpost.workdays import services
from sealpost.workdays.models import CalendarDay


class CalendarDayForm(forms.Form):
    """A closure (typhoon day) or an extra working day, as the officer enters it."""

    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD, e.g. 2026-07-07.")},
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CalendarDay.Kind.choices, initial=CalendarDay.Kind.CLOSED)
    reason = forms.CharField(
        label=_("Reason"), max_length=200,
        help_text=_("Shown to staff, e.g. “Typhoon day declared by the Taoyuan City Government”."),
    )

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("kind"):
            try:
                services.check(data["date"], data["kind"])
            except services.CalendarError as error:
                self.add_error("date", str(error))
        return data
