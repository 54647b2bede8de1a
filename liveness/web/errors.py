"""The one shape of a refusal the person in front of the portal can act on."""


class UserFacingError(Exception):
    """Refused input. ``code`` is stable for programs, ``message`` is for people, ``status`` is the HTTP 4xx."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
