"""One module per rule; each defines ``RULE``. Modules are discovered by ``dockls.engine.all_rules``."""
