"""Editor features beyond diagnostics and fixes (hover, completion, navigation, refactorings …).

Each module here is a thin LSP adapter with a ``register(server: DocklsServer) -> None`` function
that declares its handlers; :class:`dockls.lsp.DocklsServer` discovers and registers every module,
so adding a feature touches nothing else. The logic they present lives in engine-side modules of
``dockls`` (computed from the same syntax tree and model as the rules), never in the adapter.
"""
