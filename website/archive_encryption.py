"""Encryption of backup archives at rest: AES-256-GCM, streamed, key from the environment.

`BACKUP_ENCRYPTION_KEY` is 32 random bytes in URL-safe base64 (the format of a Fernet key:
`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).
Fernet itself needs the whole file in memory, and archives hold every uploaded file, so the
archive is encrypted as one GCM stream instead:

    MAGIC | 12-byte nonce | ciphertext | 16-byte tag

The magic line is authenticated too. Decryption writes the clear archive to a file the caller
uses only after the tag was checked (`decrypt_file` raises before that otherwise).
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MAGIC = b"ENTRAIDE-SAUVEGARDE-CHIFFREE-1\n"
NONCE_SIZE = 12
TAG_SIZE = 16
CHUNK = 1024 * 1024


class WrongKey(Exception):
    """The key does not open this archive (another key, or the archive was altered)."""


class BadKey(ValueError):
    """The configured key is not 32 bytes of URL-safe base64."""


def parse_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError) as error:
        raise BadKey(str(error)) from error
    if len(key) != 32:
        raise BadKey(f"{len(key)} octets au lieu de 32")
    return key


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def encrypt_file(source: Path, target: Path, key: bytes) -> None:
    """Write `source` encrypted to `target`, readable by its owner only."""
    nonce = os.urandom(NONCE_SIZE)
    encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(MAGIC)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with source.open("rb") as clear, os.fdopen(descriptor, "wb") as out:
        out.write(MAGIC + nonce)
        for chunk in iter(lambda: clear.read(CHUNK), b""):
            out.write(encryptor.update(chunk))
        out.write(encryptor.finalize() + encryptor.tag)


def decrypt_file(source: Path, target: Path, key: bytes) -> None:
    """Write the clear archive to `target`; raise `WrongKey` if the tag does not match."""
    size = source.stat().st_size
    header = len(MAGIC) + NONCE_SIZE
    if size < header + TAG_SIZE:
        raise WrongKey("archive tronquée")
    with source.open("rb") as encrypted:
        if encrypted.read(len(MAGIC)) != MAGIC:
            raise WrongKey("pas une archive chiffrée")
        nonce = encrypted.read(NONCE_SIZE)
        encrypted.seek(size - TAG_SIZE)
        tag = encrypted.read(TAG_SIZE)
        encrypted.seek(header)
        decryptor = Cipher(algorithms.AES(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(MAGIC)
        remaining = size - header - TAG_SIZE
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            while remaining:
                chunk = encrypted.read(min(CHUNK, remaining))
                remaining -= len(chunk)
                out.write(decryptor.update(chunk))
            try:
                out.write(decryptor.finalize())
            except InvalidTag as error:
                raise WrongKey("l'étiquette d'authentification ne correspond pas") from error
