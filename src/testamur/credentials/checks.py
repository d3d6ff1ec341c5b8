from django.core import checks

from testamur.credentials.rendering.bounded import render_cache_dir
from testamur.credentials.rendering.engine import RenderCacheNotPrivate, private_dir


@checks.register()
def render_cache_is_private(app_configs, **kwargs):
    """Refuse to start with a render cache others could write to (it holds templates' files)."""
    try:
        private_dir(render_cache_dir())
    except RenderCacheNotPrivate as error:
        return [checks.Error(str(error), id="credentials.E001")]
    return []
