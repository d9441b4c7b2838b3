"""What the calendar tells the rest of the system. The calendar is the lowest area: it imports
nothing of the others; what counts in business days listens here."""

from django.dispatch import Signal

# Sent when the registrar's calendar changed (a closure or an extra working day added or
# removed), inside the transaction of the change, and when asked to count again (``sealpost
# workdays recompute``, after upgrading the holidays package): whatever is counted in business
# days is counted again. A receiver answers how many things had a date moved (an int); an
# exception undoes the change. The orders app listens (orders.deadlines.calendar_changed).
calendar_changed = Signal()
