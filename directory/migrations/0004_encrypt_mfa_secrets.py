"""Encrypt the TOTP secrets and recovery-code seeds stored in clear before `directory.mfa`.

Idempotent: a value the configured keys already decrypt is left alone. Migrating back puts
them in clear again, for code that has no encrypting adapter.
"""

from django.db import migrations

from directory.mfa import decrypt_secret, encrypt_secret, is_encrypted

SECRET_FIELDS = {"totp": "secret", "recovery_codes": "seed"}


def encrypt_clear_secrets(apps, schema_editor):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=SECRET_FIELDS):
        field = SECRET_FIELDS[authenticator.type]
        value = authenticator.data.get(field)
        if value and not is_encrypted(value):
            authenticator.data[field] = encrypt_secret(value)
            authenticator.save(update_fields=["data"])


def decrypt_secrets(apps, schema_editor):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=SECRET_FIELDS):
        field = SECRET_FIELDS[authenticator.type]
        value = authenticator.data.get(field)
        if value and is_encrypted(value):
            authenticator.data[field] = decrypt_secret(value)
            authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0003_person_search_name_expertise_requests_imports"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_clear_secrets, decrypt_secrets)]
