"""The two kinds of failure a user can cause, and how the CLI reports them.

``DomainError`` — the request was understood but the rules refuse it (out of
codes, invalid codes, wrong campaign state): exit status 1.
``UsageError`` — the command or configuration is wrong (unknown campaign key,
bad option, missing secret): exit status 2.

Every message is one sentence naming the input and the way out; the
constructor of each subclass builds it from the offending values.
"""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the request (exit status 1)."""

    exit_code = 1


class UsageError(Exception):
    """The command line, input reference or configuration is wrong (exit status 2)."""

    exit_code = 2


class NotFound(UsageError):
    """A named thing (campaign, incentive, creator, stage) does not exist."""

    def __init__(self, kind: str, name: str, hint: str) -> None:
        self.kind, self.name = kind, name
        super().__init__(f"No {kind} '{name}': {hint}")


class AlreadyExists(DomainError):
    """A key that must be unique is taken."""

    def __init__(self, kind: str, name: str, hint: str) -> None:
        self.kind, self.name = kind, name
        super().__init__(f"{kind.capitalize()} '{name}' already exists: {hint}")


class WrongCampaignState(DomainError):
    """The campaign's status does not allow the operation."""

    def __init__(self, campaign: str, status: str, operation: str, fix: str) -> None:
        self.campaign, self.status = campaign, status
        super().__init__(f"Campaign '{campaign}' is {status}, so {operation} is not allowed: {fix}")


class OutOfCodes(DomainError):
    """An incentive due at the target stage has no available code; the move is refused."""

    def __init__(
        self, campaign: str, incentive: str, description: str, handle: str, *, linked: bool = False
    ) -> None:
        self.campaign, self.incentive, self.handle = campaign, incentive, handle
        ref = f"{campaign}/{incentive}"
        fix = (
            f"generate more with `promosync codes generate {ref} --count 50` (or create them in "
            f"the store and run `promosync sync pull {ref}`)"
            if linked
            else f"upload more with `promosync codes upload {ref} --file codes.txt`"
        )
        super().__init__(
            f"Incentive '{incentive}' ({description}) has no codes left, so '{handle}' stays "
            f"where they are: {fix}"
        )
