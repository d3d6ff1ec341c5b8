"""Multibase and Multikey encodings of Ed25519 keys and signatures (base58btc, "z" prefix).

A public key is published as "z" + base58btc(0xed01 ‖ 32 key bytes), a secret key (test
vectors only) as "z" + base58btc(0x8026 ‖ 32 seed bytes).
"""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"
BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
NOT_MULTIBASE = "Not a base58btc multibase value."


def base58_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, rest = divmod(number, 58)
        encoded = BASE58_ALPHABET[rest] + encoded
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + encoded


def base58_decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = BASE58_ALPHABET.find(char)
        if index < 0:
            raise ValueError(NOT_MULTIBASE)
        number = number * 58 + index
    leading_ones = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading_ones + body


def multibase_decode(value: str) -> bytes:
    if not value.startswith("z"):
        raise ValueError(NOT_MULTIBASE)
    return base58_decode(value[1:])


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58_encode(ED25519_PUB_PREFIX + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    decoded = multibase_decode(value)
    if not decoded.startswith(ED25519_PUB_PREFIX) or len(decoded) != 34:
        raise ValueError("Not an Ed25519 Multikey public key.")
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


def private_key_from_multibase(value: str) -> Ed25519PrivateKey:
    decoded = multibase_decode(value)
    if not decoded.startswith(ED25519_PRIV_PREFIX) or len(decoded) != 34:
        raise ValueError("Not an Ed25519 Multikey secret key.")
    return Ed25519PrivateKey.from_private_bytes(decoded[2:])
