"""Mark unstable public classes as experimental, as Optuna does.

:func:`experimental` adds a versioned note to the class docstring and makes
construction emit an :class:`ExperimentalWarning`, so users see that the
interface (or the default it backs) may change without a deprecation period.
"""

from __future__ import annotations

import functools
import inspect
import re
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T", bound=type)

_NOTE = """

.. note::
    Added in v{version} as an experimental feature. The interface and the
    results may change in a later version without a deprecation period.
"""


class ExperimentalWarning(UserWarning):
    """Warning raised when an experimental feature is used.

    Silence it with ``warnings.filterwarnings("ignore", category=ExperimentalWarning)``.
    """


def experimental(version: str) -> Callable[[T], T]:
    """Class decorator: mark a class as experimental since ``version``.

    Parameters
    ----------
    version : str
        The first version with the feature, ``"x.y.z"``.

    Returns
    -------
    callable
        The decorator; it returns the same class with a versioned note appended
        to its docstring and an ``__init__`` that warns before running.

    Raises
    ------
    ValueError
        ``version`` is not of the form ``x.y.z``.

    Examples
    --------
    >>> import warnings
    >>> @experimental("0.1.0")
    ... class Rule:
    ...     '''A rule.'''
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = Rule()
    >>> caught[0].category.__name__, str(caught[0].message)
    ('ExperimentalWarning', 'Rule is experimental (added in v0.1.0); its interface may change.')
    >>> "Added in v0.1.0" in Rule.__doc__
    True
    """
    if not re.fullmatch(r"\d+\.\d+\.\d+", str(version)):
        raise ValueError(f"version must be of the form x.y.z; got {version!r}.")

    def decorator(cls: T) -> T:
        target: Any = cls
        original_init = target.__init__

        @functools.wraps(original_init)
        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            warnings.warn(
                f"{cls.__name__} is experimental (added in v{version}); its interface may change.",
                ExperimentalWarning,
                stacklevel=2,
            )
            original_init(self, *args, **kwargs)

        target.__init__ = init
        target.__doc__ = inspect.cleandoc(cls.__doc__ or "") + _NOTE.format(version=version)
        return cls

    return decorator
