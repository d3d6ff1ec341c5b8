from django.db import migrations

from testamur.core.db_guards import postgres_only, row_frozen_once_set, truncate_refused

# Rule 9: an issuance record is what the document says. Once its signed PDF's SHA-256 is set the
# row never changes and is never deleted; the register and its records are never truncated.
# A pending record (no hash yet) may still be refreshed by a retried issue.
TABLE = "credentials_credentialissuance"


class Migration(migrations.Migration):
    dependencies = [("credentials", "0010_issued_credential_guards")]
    operations = [
        postgres_only(*row_frozen_once_set(TABLE, once_set="document_sha256")),
        postgres_only(*truncate_refused(TABLE)),
    ]
