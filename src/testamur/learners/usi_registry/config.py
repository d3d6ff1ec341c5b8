"""Where the registry is and which machine credential speaks for the organisation.

Everything comes from Django settings (set from the environment, see README): the
environment (`simulator`, `test` for the registry's third-party test environment, or
`production`), the organisation code, and the credential file with its alias and password. The
password is never stored in the database.
"""

from dataclasses import dataclass

from django.conf import settings

SIMULATOR, TEST, PRODUCTION = "simulator", "test", "production"

ENVIRONMENTS = {
    TEST: {
        "sts_url": "https://softwareauthorisations.acc.ato.gov.au/R3.0/S007v1.3/service.svc",
        "service_url": "https://3pt.portal.usi.gov.au/service/v5/usiservice.svc",
        "applies_to": "https://3pt.portal.usi.gov.au/service/usiservice.svc",
    },
    PRODUCTION: {
        "sts_url": "https://softwareauthorisations.ato.gov.au/R3.0/S007v1.3/service.svc",
        "service_url": "https://portal.usi.gov.au/service/v5/usiservice.svc",
        "applies_to": "https://portal.usi.gov.au/service/usiservice.svc",
    },
}
# The simulator's addresses mirror the real services' paths under its own base address.
SIMULATOR_PATHS = {
    "sts_url": "/R3.0/S007v1.3/service.svc",
    "service_url": "/service/v5/usiservice.svc",
    "applies_to": "/service/usiservice.svc",
}
LABELS = {
    SIMULATOR: "USI registry simulator",
    TEST: "USI Registry System (test environment)",
    PRODUCTION: "USI Registry System",
}

NOT_CONFIGURED = (
    "Verifying with the USI Registry System is not set up on this server: set USI_REGISTRY, "
    "USI_ORG_CODE and the machine credential (USI_KEYSTORE_PATH, USI_KEYSTORE_PASSWORD); see "
    "the README."
)
UNKNOWN_ENVIRONMENT = "USI_REGISTRY is {value!r}; it must be 'simulator', 'test' or 'production'."
CONFIG_MISSING = (
    "Verifying with the USI Registry System needs {names} set on this server (see README)."
)


class ConfigurationError(Exception):
    """The server is not set up to verify with the registry; the message says what is missing."""


@dataclass(frozen=True)
class RegistryConfig:
    environment: str
    org_code: str
    keystore_path: str
    keystore_alias: str
    keystore_password: str
    sts_url: str
    service_url: str
    applies_to: str
    timeout: float

    @property
    def label(self) -> str:
        return LABELS[self.environment]


def registry_configured() -> bool:
    return bool(getattr(settings, "USI_REGISTRY", ""))


def registry_config() -> RegistryConfig:
    """The settings as one object; raises ConfigurationError with what to fix."""
    environment = (getattr(settings, "USI_REGISTRY", "") or "").strip().lower()
    if not environment:
        raise ConfigurationError(NOT_CONFIGURED)
    if environment == SIMULATOR:
        base = settings.USI_SIMULATOR_URL.rstrip("/")
        urls = {name: base + path for name, path in SIMULATOR_PATHS.items()}
    elif environment in ENVIRONMENTS:
        urls = dict(ENVIRONMENTS[environment])
    else:
        raise ConfigurationError(UNKNOWN_ENVIRONMENT.format(value=environment))
    for name, setting in (
        ("sts_url", "USI_STS_URL"),
        ("service_url", "USI_SERVICE_URL"),
        ("applies_to", "USI_APPLIES_TO"),
    ):
        if getattr(settings, setting, ""):
            urls[name] = getattr(settings, setting)
    missing = [
        name
        for name in ("USI_ORG_CODE", "USI_KEYSTORE_PATH", "USI_KEYSTORE_PASSWORD")
        if not getattr(settings, name, "")
    ]
    if missing:
        raise ConfigurationError(CONFIG_MISSING.format(names=", ".join(missing)))
    return RegistryConfig(
        environment=environment,
        org_code=settings.USI_ORG_CODE.strip(),
        keystore_path=settings.USI_KEYSTORE_PATH,
        keystore_alias=getattr(settings, "USI_KEYSTORE_ALIAS", "") or "",
        keystore_password=settings.USI_KEYSTORE_PASSWORD,
        timeout=float(getattr(settings, "USI_TIMEOUT", 30)),
        **urls,
    )
