"""Events chained before the sealer keep their hashes: their place in the chain is their id (the
order they were chained in), and the chain head is signed, so that the sealer continues from
it and `audit_verify` proves them as before."""

from django.db import migrations
from django.db.models import F

from lianxin.core import keys


def seal_legacy_events(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    AuditEvent.objects.filter(seq__isnull=True).update(seq=F("id"))
    head = AuditChainHead.objects.filter(id=1).first()
    if head is None:
        return
    head.seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    # The message core.audit.head_signature signs (the app's modules are not imported here).
    head.mac = keys.mac("audit-log", f"head:{head.seq}:{head.last_hash}").hex()
    head.save(update_fields=["seq", "mac"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_audit_sealed_chain"),
    ]

    operations = [
        # Backwards, the schema migration drops what this one filled in.
        migrations.RunPython(seal_legacy_events, migrations.RunPython.noop),
    ]
