from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("engine", "0006_start_events")]

    operations = []
