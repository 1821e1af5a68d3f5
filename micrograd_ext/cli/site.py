"""``micrograd-ext site OUT``: a static folder with the library running in the browser (``micrograd_ext.web``)."""
from __future__ import annotations

from .arguments import Failure, add_command


def register(commands) -> None:
    site = add_command(commands, 'site', 'a web page running this library in the browser, nothing installed',
                       'Build a static, self-contained folder: Pyodide (Python in WebAssembly), the WebAssembly '
                       'Graphviz, this library, a Python console and the step-through player. Any static host '
                       'serves it, e.g. python -m http.server -d OUT 8000. The two JavaScript packages come from '
                       'the npm registry (npm pack), or from --assets DIR.', run_site)
    site.add_argument('out', metavar='OUT', help='the folder to write (new, empty, or a site built before)')
    site.add_argument('--assets', metavar='DIR',
                      help='a folder with pyodide-314.0.8.tgz and viz-js-viz-3.31.0.tgz (npm pack pyodide@314.0.8 '
                           '@viz-js/viz@3.31.0), instead of fetching them with npm')


def run_site(args, parser) -> int:
    from ..web.site import SiteError, build_site, check_assets, check_free
    try:  # what is wrong with the arguments is a usage error, before any work
        check_free(args.out)
        if args.assets is not None:
            check_assets(args.assets)
    except SiteError as error:
        parser.error(str(error))
    try:
        print(build_site(args.out, args.assets))
    except SiteError as error:
        raise Failure(str(error)) from None
    except OSError as error:  # the folder cannot be written (permissions, a full disk)
        raise Failure(f"cannot write the site to {args.out}: {error.strerror or error}; choose another folder") from None
    return 0
