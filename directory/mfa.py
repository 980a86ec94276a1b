"""allauth's MFA adapter with the secrets it stores encrypted (Fernet).

allauth keeps each TOTP secret and recovery-code seed in `Authenticator.data`; its default
adapter stores them as they are, so a database dump or backup hands over every second factor.
Here they are encrypted with `settings.MFA_ENCRYPTION_KEYS` (from `MFA_ENCRYPTION_KEY`, several
keys comma-separated for a rotation: the first encrypts, each of them decrypts). Without the
variable the key is derived from SECRET_KEY (docs/security.md, finding 9).
"""

import base64
import hashlib

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def derived_key(secret_key: str) -> bytes:
    """A Fernet key drawn from SECRET_KEY, for sites that set no MFA_ENCRYPTION_KEY."""
    digest = hashlib.sha256(b"entraide-mfa-secrets:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def secrets_cipher() -> MultiFernet:
    keys = [key.encode() for key in settings.MFA_ENCRYPTION_KEYS if key]
    return MultiFernet([Fernet(key) for key in keys or [derived_key(settings.SECRET_KEY)]])


def encrypt_secret(text: str) -> str:
    return secrets_cipher().encrypt(text.encode()).decode()


def decrypt_secret(token: str) -> str:
    """Raises `cryptography.fernet.InvalidToken` for a value no configured key encrypted."""
    return secrets_cipher().decrypt(token.encode()).decode()


def is_encrypted(value: str) -> bool:
    try:
        decrypt_secret(value)
    except InvalidToken:
        return False
    return True


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return encrypt_secret(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_secret(encrypted_text)
