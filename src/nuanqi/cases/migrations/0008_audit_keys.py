"""Keyed chain heads and number counters; the event hash now covers the name the timeline shows.

Existing chains are re-hashed once with the new hash and their heads keyed: run `nuanqi audit verify` before
upgrading, since this step takes the history as it stands."""

from django.db import migrations, models


def rechain(apps, schema_editor):
    # The live hash functions on purpose: the chains must match what verify computes from now on.
    from nuanqi.cases.timeline import event_hash, head_mac, keyed

    Case = apps.get_model("cases", "Case")
    Event = apps.get_model("cases", "Event")
    NumberCounter = apps.get_model("cases", "NumberCounter")
    for case in Case.objects.filter(event_count__gt=0).iterator():
        prev = ""
        for ev in Event.objects.filter(case_id=case.pk).order_by("seq"):
            ev.prev_hash = prev
            ev.hash = event_hash(
                prev,
                case.number,
                ev.seq,
                ev.at,
                ev.actor_id,
                ev.action,
                ev.from_status,
                ev.to_status,
                ev.changes,
                ev.reason,
                ev.actor_name,
            )
            ev.save(update_fields=["prev_hash", "hash"])
            prev = ev.hash
        case.event_head = prev
        case.event_mac = head_mac(case.number, case.event_count, prev)
        case.save(update_fields=["event_head", "event_mac"])
    for counter in NumberCounter.objects.all():
        counter.mac = keyed("counter", counter.prefix, counter.year, counter.value)
        counter.save(update_fields=["mac"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_case_kind_received"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="event_mac",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="numbercounter",
            name="mac",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(rechain, migrations.RunPython.noop),
    ]
