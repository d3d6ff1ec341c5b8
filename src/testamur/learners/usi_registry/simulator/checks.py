"""Refusals (each becomes a SOAP fault) and the checks both simulated services make."""

from lxml import etree

from testamur.learners.usi_registry.xmlns import find, parse_xml_time, text, xml_time


class Refusal(Exception):
    def __init__(self, subcode: str, reason: str, details=(), *, code: str = "Sender"):
        super().__init__(reason)
        self.code, self.subcode, self.reason, self.details = code, subcode, reason, list(details)


class SharedChecks:
    """The message timestamp and WS-Security header, checked as both real services do.

    Needs `clock` and `skew` (set by RegistrySimulator).
    """

    def _timestamp(self, security) -> etree._Element:
        stamp = find(security, "u:Timestamp")
        created = text(stamp, "u:Created") if stamp is not None else None
        expires = text(stamp, "u:Expires") if stamp is not None else None
        if not created or not expires:
            raise Refusal("o:InvalidSecurity", "The message has no timestamp.")
        try:
            created_at, expires_at = parse_xml_time(created), parse_xml_time(expires)
        except ValueError as exc:
            raise Refusal("o:InvalidSecurity", "The message's timestamp is unreadable.") from exc
        now = self.clock()
        if created_at > now + self.skew:
            raise Refusal(
                "o:MessageExpired",
                f"The message's timestamp ({created}) is in the future: the sender's clock is "
                f"ahead of the service's ({xml_time(now)}) by more than the allowed skew.",
            )
        if expires_at <= now - self.skew or expires_at <= created_at:
            raise Refusal(
                "o:MessageExpired",
                f"The message expired at {expires} (service time {xml_time(now)}).",
            )
        return stamp

    @staticmethod
    def _security(root):
        security = find(root, "s:Header/o:Security")
        if security is None:
            raise Refusal("o:InvalidSecurity", "The message has no WS-Security header.")
        return security
