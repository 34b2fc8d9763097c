"""The REST API (/api/v1/): thin views over engine.services (writes) and engine.selectors (reads).

Each view parses its input with a small serializer, calls one service or selector, and
answers with an output serializer. Errors are RFC 9457 problem details (engine.api.problems),
permissions are the roles of engine.roles (engine.api.permissions). See docs/api.md.
"""
