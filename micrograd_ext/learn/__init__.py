"""Networks and training, built on the engine: modules (``nn``, ``transformer``), ``losses``, ``optim``,
``datasets``, ``training``, ``text``, model files and the PyTorch twins."""
