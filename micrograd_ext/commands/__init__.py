"""The command line's subcommands, one module per area: ``train``, ``quiz`` and the ``classroom``'s (``cli`` builds
the parser from them, with ``demo``, ``graph`` and ``explain``)."""
