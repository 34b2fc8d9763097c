"""Reads for the delivery layers (pages, REST API): who may see what, in one place."""
