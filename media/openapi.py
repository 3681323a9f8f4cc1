"""drf-spectacular hooks.

https://drf-spectacular.readthedocs.io/en/latest/customization.html#step-7-preprocessing-hooks
"""


def contract_paths(endpoints):
    """Document each path as the contract spells it, without the trailing slash.

    The routes accept both spellings (regex `/?`), which drf-spectacular would
    render as a trailing slash.
    """
    return [
        (path.rstrip("/") if path != "/" else path, path_regex, method, callback)
        for path, path_regex, method, callback in endpoints
    ]
