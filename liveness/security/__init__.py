"""Security services: media key rotation (``keys``) and media retention (``retention``)."""
