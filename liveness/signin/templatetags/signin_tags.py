from django import template

from liveness.signin.access import can_reset_two_factor

register = template.Library()


@register.filter(name="can_reset_two_factor")
def _can_reset_two_factor(user) -> bool:
    return can_reset_two_factor(user)
