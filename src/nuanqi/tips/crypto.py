"""The primitives of the tip key scheme, on libsodium (PyNaCl); see docs/tips-keys.md for the scheme.

- a **tip key** (32 random bytes) encrypts a tip's content, messages, notes and files with XSalsa20-Poly1305
  (`SecretBox`, authenticated: a changed byte fails to open rather than decrypting to something else);
- the tip key is **sealed** (`SealedBox`: X25519 + XSalsa20-Poly1305, anonymous sender) to the public key of
  each group member, to the escrow key a deployment keeps offline, and wrapped with the filer's receipt key;
- a member's private key is wrapped with a key derived from the member's password by Argon2id
  (`nacl.pwhash.argon2id`), or — when a deployment chooses — with a key file kept outside the database.

Errors: opening with a wrong key raises `Unreadable`.
"""

from __future__ import annotations

import json
from typing import Any

import nacl.exceptions
import nacl.pwhash
import nacl.utils
from django.conf import settings
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

KEY_BYTES = SecretBox.KEY_SIZE  # 32
SALT_BYTES = nacl.pwhash.argon2id.SALTBYTES  # 16


class Unreadable(Exception):
    """A ciphertext that this key does not open (a wrong key, a changed byte, a reset password)."""


def new_key() -> bytes:
    return nacl.utils.random(KEY_BYTES)


def encrypt(key: bytes, plaintext: bytes) -> bytes:
    """nonce (24 bytes) ‖ ciphertext ‖ tag (16 bytes)."""
    return bytes(SecretBox(key).encrypt(plaintext))


def decrypt(key: bytes, blob: bytes) -> bytes:
    try:
        return bytes(SecretBox(key).decrypt(bytes(blob)))
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
        raise Unreadable from exc


def encrypt_json(key: bytes, value: Any) -> bytes:
    return encrypt(key, json.dumps(value, ensure_ascii=False).encode())


def decrypt_json(key: bytes, blob: bytes) -> Any:
    return json.loads(decrypt(key, blob))


def seal(public_key: bytes, secret: bytes) -> bytes:
    """`secret` readable only by the holder of the private key of `public_key` (a sealed box)."""
    return bytes(SealedBox(PublicKey(bytes(public_key))).encrypt(secret))


def unseal(private_key: bytes, blob: bytes) -> bytes:
    try:
        return bytes(SealedBox(PrivateKey(bytes(private_key))).decrypt(bytes(blob)))
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
        raise Unreadable from exc


def new_keypair() -> tuple[bytes, bytes]:
    """(private, public), 32 bytes each (X25519)."""
    private = PrivateKey.generate()
    return bytes(private), bytes(private.public_key)


def public_of(private_key: bytes) -> bytes:
    return bytes(PrivateKey(bytes(private_key)).public_key)


def kdf_params() -> tuple[int, int]:
    """(opslimit, memlimit) of the password KDF: `NUANQI_TIPS_KDF`; the suite uses libsodium's minimum."""
    params = getattr(settings, "NUANQI_TIPS_KDF", None) or {}
    return (
        int(params.get("opslimit", nacl.pwhash.argon2id.OPSLIMIT_MODERATE)),
        int(params.get("memlimit", 64 * 1024 * 1024)),
    )


def password_key(password: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    """The key that wraps a member's private key: Argon2id(password, salt)."""
    return bytes(
        nacl.pwhash.argon2id.kdf(KEY_BYTES, password.encode(), salt, opslimit=opslimit, memlimit=memlimit)
    )


def new_salt() -> bytes:
    return nacl.utils.random(SALT_BYTES)
