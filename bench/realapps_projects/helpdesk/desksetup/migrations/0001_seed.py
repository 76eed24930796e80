"""Seed: the staff user ``agent`` (password ``agent-pass``, with helpdesk settings) and the queue ``support``."""

from django.contrib.auth.hashers import make_password
from django.db import migrations


def seed(apps, schema_editor):
    User = apps.get_model("auth", "User")
    Queue = apps.get_model("helpdesk", "Queue")
    agent = User.objects.create(username="agent", email="agent@example.com", is_staff=True, is_superuser=True,
                                password=make_password("agent-pass", salt="fixedsalt0123456"))
    # what helpdesk's post_save signal does for a user made through the real model (not sent for this one)
    apps.get_model("helpdesk", "UserSettings").objects.create(user=agent)
    Queue.objects.create(title="Support", slug="support", allow_public_submission=True,
                         email_address="support@example.com")


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length"), ("helpdesk", "0043_fix_on_delete_behaviour")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
