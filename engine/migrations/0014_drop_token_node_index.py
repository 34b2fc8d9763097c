"""Drop the tokens' (node, status) index: no query reads tokens by node.

Every token query goes through its instance (the instance's live tokens, a definition's node
statistics through its instances, the monitoring badges through the running instances), served
by the (instance, token) and (instance, status) indexes. Token rows are kept after their token
ended, so at scale nearly all of them are ended, and this index was written at a random place
(one page per node) for each token row of every instance: about an eighth of what one
straight-through start writes on SQLite (docs/BENCHMARKS.md). On SQLite and PostgreSQL alike
dropping an index is immediate; migrating back rebuilds it from the token table.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("engine", "0013_drop_redundant_foreign_key_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="token",
            name="token_node_status",
        ),
    ]
