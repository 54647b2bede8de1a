"""Audit every django-axes lock-out (connected in ``SigninConfig.ready``)."""
from axes.signals import user_locked_out
from django.dispatch import receiver

from liveness.signin.services import lockout_record
from liveness.web.client_ip import client_ip


@receiver(user_locked_out, dispatch_uid="liveness.signin.lockout_audit")
def _audit_lockout(sender, request, username, ip_address, **kwargs):
    # axes sets axes_failures_since_start when a failure reaches the limit; it stays None when
    # an attempt is refused because the lock was already in place.
    lockout_record(username=username, ip_address=ip_address or client_ip(request),
                   failures=getattr(request, "axes_failures_since_start", None))
