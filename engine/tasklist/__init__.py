"""The tasklist: the pages where people find, claim and complete their user tasks (docs/tasklist.md)."""
