"""Staff sign-in: password, then a TOTP code or a single-use recovery code (django-otp), with lock-out
(django-axes).

Reviewers and operators sign in at ``/staff/login/``. Staff accounts then need a second
factor in the same session before any dashboard page, medium or admin page opens
(``access.staff_is_verified``); a staff account without a confirmed authenticator enrols one
first. Failed passwords and failed codes both count towards the django-axes lock-out per
username and client address. Non-staff accounts sign in with the password alone.
"""
