import os

from hypothesis import settings

# CI runs the same examples every time, so a red build is reproducible; locally each run explores anew.
settings.register_profile('ci', derandomize=True)
if os.environ.get('CI'):
    settings.load_profile('ci')
