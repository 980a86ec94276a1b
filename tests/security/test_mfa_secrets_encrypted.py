"""TOTP secrets and recovery-code seeds are stored encrypted (Fernet, key from the environment).

allauth stores `Authenticator.data["secret"]` (TOTP) and `["seed"]` (recovery codes) through
its MFA adapter's `encrypt`/`decrypt`; `directory.mfa.MFAAdapter` encrypts them with
`MFA_ENCRYPTION_KEY`. Rows written in clear before that are encrypted by the data migration
`directory.0004_encrypt_mfa_secrets` (the same function is tested here).
"""

import importlib

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps

from tests.website.test_account_security import activate_totp, current_code, login

pytestmark = pytest.mark.django_db

KEY = Fernet.generate_key().decode()
CLEAR_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (a test value)


@pytest.fixture(autouse=True)
def encryption_key(settings):
    settings.MFA_ENCRYPTION_KEYS = [KEY]


def stored(user, kind):
    return Authenticator.objects.get(user=user, type=kind).data


def test_the_stored_totp_secret_is_not_the_seed_shown_at_activation(client, member):
    secret = activate_totp(client, member)
    data = stored(member, Authenticator.Type.TOTP)
    assert data["secret"] != secret
    assert secret not in str(data)
    # Encrypted with the environment's key, not merely encoded.
    assert Fernet(KEY.encode()).decrypt(data["secret"].encode()).decode() == secret


def test_the_recovery_code_seed_is_stored_encrypted(client, member):
    activate_totp(client, member)
    seed = stored(member, Authenticator.Type.RECOVERY_CODES)["seed"]
    clear_seed = Fernet(KEY.encode()).decrypt(seed.encode()).decode()
    assert len(clear_seed) == 80 and clear_seed not in seed


def test_login_with_the_totp_code_still_works(client, member):
    secret = activate_totp(client, member)
    client.post("/comptes/logout/")
    assert login(client, member).url == "/comptes/2fa/authenticate/"
    response = client.post("/comptes/2fa/authenticate/", {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_another_key_cannot_read_the_secret(client, member, settings):
    activate_totp(client, member)
    settings.MFA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    totp = Authenticator.objects.get(user=member, type=Authenticator.Type.TOTP).wrap()
    with pytest.raises(InvalidToken):
        totp.validate_code("123456")


def test_an_old_key_listed_after_the_new_one_still_decrypts(client, member, settings):
    secret = activate_totp(client, member)
    settings.MFA_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), KEY]
    totp = Authenticator.objects.get(user=member, type=Authenticator.Type.TOTP).wrap()
    assert totp.validate_code(current_code(secret))


def test_the_data_migration_encrypts_secrets_stored_in_clear(client, member):
    migration = importlib.import_module("directory.migrations.0004_encrypt_mfa_secrets")
    Authenticator.objects.create(
        user=member, type=Authenticator.Type.TOTP, data={"secret": CLEAR_SECRET}
    )
    clear_seed = RecoveryCodes.generate_seed()
    Authenticator.objects.create(
        user=member,
        type=Authenticator.Type.RECOVERY_CODES,
        data={"seed": clear_seed, "used_mask": 0},
    )
    migration.encrypt_clear_secrets(apps, None)
    migration.encrypt_clear_secrets(apps, None)  # a second run changes nothing

    secret = stored(member, Authenticator.Type.TOTP)["secret"]
    seed = stored(member, Authenticator.Type.RECOVERY_CODES)["seed"]
    assert CLEAR_SECRET not in secret and clear_seed not in seed
    assert Fernet(KEY.encode()).decrypt(secret.encode()).decode() == CLEAR_SECRET
    assert Fernet(KEY.encode()).decrypt(seed.encode()).decode() == clear_seed
    # The member's phone (enrolled before the change) still logs in.
    assert login(client, member).url == "/comptes/2fa/authenticate/"
    response = client.post("/comptes/2fa/authenticate/", {"code": current_code(CLEAR_SECRET)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)
