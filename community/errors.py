"""Domain errors raised by service functions.

Services raise these with a stable snake_case `code` and a human sentence; the API turns them into
`{"error": {"code", "message"}}` with `status`, pages show the message beside the form (nothing typed is lost).
"""


class ServiceError(Exception):
    status = 400

    def __init__(self, code: str, message: str, status: int | None = None, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        if status is not None:
            self.status = status


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409
