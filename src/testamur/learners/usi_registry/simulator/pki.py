"""Keys and certificates for the simulator, and machine credential files signed by it.

The simulator has three key pairs: a certificate authority (standing in for the ATO's, which
issues machine credentials), the token service's signing key and the USI service's encryption
key (the relying party the assertion is encrypted for). `keystore_write` makes a credential
store file in the ATO's format for a credential the simulator's authority issued: the tests and
the demo use it; nothing here is ever committed.
"""

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from lxml import etree

from testamur.learners.usi_registry.keystore import STORE_NS

KEY_SIZE = 2048


def key_new() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


def _name(common_name: str, serial: str = "") -> x509.Name:
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "AU"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Testamur USI simulator"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if serial:
        parts.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(parts)


def certificate_issue(
    *,
    subject_key,
    common_name: str,
    issuer_key=None,
    issuer: x509.Certificate | None = None,
    serial: str = "",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    ca: bool = False,
) -> x509.Certificate:
    now = datetime.now(UTC)
    not_before = not_before or now - timedelta(days=1)
    not_after = not_after or now + timedelta(days=730)
    subject = _name(common_name, serial)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(issuer_key or subject_key, hashes.SHA256())


def pem(item) -> bytes:
    if isinstance(item, x509.Certificate):
        return item.public_bytes(serialization.Encoding.PEM)
    return item.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass(frozen=True)
class SimulatorKeys:
    ca_key: rsa.RSAPrivateKey
    ca: x509.Certificate
    sts_key: rsa.RSAPrivateKey
    sts: x509.Certificate
    service_key: rsa.RSAPrivateKey
    service: x509.Certificate

    def credential_issue(
        self,
        *,
        abn: str,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        """A machine credential for an organisation (its ABN in the certificate's serial)."""
        key = key_new()
        certificate = certificate_issue(
            subject_key=key,
            common_name=f"ABRD:{abn}_USIMachine",
            issuer_key=self.ca_key,
            issuer=self.ca,
            serial=f"ABN{abn}",
            not_before=not_before,
            not_after=not_after,
        )
        return key, certificate


def simulator_keys_new() -> SimulatorKeys:
    ca_key = key_new()
    ca = certificate_issue(
        subject_key=ca_key, common_name="Simulated machine credential CA", ca=True
    )
    sts_key, service_key = key_new(), key_new()
    return SimulatorKeys(
        ca_key=ca_key,
        ca=ca,
        sts_key=sts_key,
        sts=certificate_issue(subject_key=sts_key, common_name="Simulated token service"),
        service_key=service_key,
        service=certificate_issue(subject_key=service_key, common_name="Simulated USI service"),
    )


_FILES = ("ca", "sts", "service")


def simulator_keys_load_or_create(directory: Path) -> SimulatorKeys:
    """The simulator's keys kept in `directory` (created once, private to this user), so that
    credential files it issued stay valid across restarts."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: (directory / f"{name}.key", directory / f"{name}.crt") for name in _FILES}
    if all(key.exists() and crt.exists() for key, crt in paths.values()):
        loaded = {}
        for name, (key_path, crt_path) in paths.items():
            loaded[f"{name}_key"] = serialization.load_pem_private_key(key_path.read_bytes(), None)
            loaded[name] = x509.load_pem_x509_certificate(crt_path.read_bytes())
        return SimulatorKeys(**loaded)
    keys = simulator_keys_new()
    for name, (key_path, crt_path) in paths.items():
        key_path.write_bytes(pem(getattr(keys, f"{name}_key")))
        os.chmod(key_path, 0o600)
        crt_path.write_bytes(pem(getattr(keys, name)))
    return keys


def keystore_xml(
    *,
    alias: str,
    abn: str,
    legal_name: str,
    key,
    chain: list[x509.Certificate],
    password: str,
) -> bytes:
    """A credential store (keystore XML) in the ATO's format holding one machine credential."""
    leaf = chain[0]
    store = etree.Element(f"{{{STORE_NS}}}credentialStore", nsmap={None: STORE_NS})
    etree.SubElement(store, f"{{{STORE_NS}}}salt").text = base64.b64encode(
        secrets.token_bytes(16)
    ).decode()
    credentials = etree.SubElement(store, f"{{{STORE_NS}}}credentials")
    credential = etree.SubElement(
        credentials,
        f"{{{STORE_NS}}}credential",
        id=alias,
        credentialSalt=base64.b64encode(secrets.token_bytes(16)).decode(),
        credentialType="D",
    )
    encrypted = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode("utf-8")),
    )
    der = leaf.public_bytes(serialization.Encoding.DER)
    fields = {
        "abn": abn,
        "legalName": legal_name,
        "serialNumber": str(leaf.serial_number),
        "creationDate": leaf.not_valid_before_utc.isoformat(),
        "notBefore": leaf.not_valid_before_utc.isoformat(),
        "notAfter": leaf.not_valid_after_utc.isoformat(),
        "sha1fingerprint": hashlib.sha1(der).hexdigest(),  # noqa: S324 - a fingerprint, as stored
        "publicCertificate": base64.b64encode(
            pkcs7.serialize_certificates(chain, serialization.Encoding.DER)
        ).decode(),
        "protectedPrivateKey": base64.b64encode(encrypted).decode(),
    }
    for name, value in fields.items():
        etree.SubElement(credential, f"{{{STORE_NS}}}{name}").text = value
    return etree.tostring(store, xml_declaration=True, encoding="utf-8", pretty_print=True)


def keystore_write(
    path: Path,
    *,
    keys: SimulatorKeys,
    abn: str,
    password: str,
    alias: str | None = None,
    legal_name: str = "Demo RTO Pty Ltd",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> str:
    """Write a credential file the simulator accepts; return the credential's alias."""
    alias = alias or f"ABRD:{abn}_USIMachine"
    key, certificate = keys.credential_issue(abn=abn, not_before=not_before, not_after=not_after)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        keystore_xml(
            alias=alias,
            abn=abn,
            legal_name=legal_name,
            key=key,
            chain=[certificate, keys.ca],
            password=password,
        )
    )
    os.chmod(path, 0o600)
    return alias
