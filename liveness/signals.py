"""Domain events other parts subscribe to (webhooks, notifications) without the services knowing them.

Sent only after the transaction that caused them has committed, so a receiver
never sees a state that was rolled back.
"""
from django.dispatch import Signal

#: kwargs: case_id (int), previous (str), state (str), reason (str), actor_label (str)
case_state_changed = Signal()
