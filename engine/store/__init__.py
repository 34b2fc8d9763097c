"""Persistence: the engine's tables, command execution with optimistic locking, the hash chain.

Import the submodules directly (engine.store.models, engine.store.execution, ...): this
package is imported before Django's app registry is ready, so it must not load models itself.
"""
