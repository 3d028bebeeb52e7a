"""Shared checks of the command-line tests."""

from __future__ import annotations

import pytest


def assert_one_line_error(capsys, main, args: list[str], fragments: list[str]) -> None:
    """``main(args)`` exits with status 2 and one line on stderr that starts with 'error: ' and holds every fragment."""
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    for fragment in fragments:
        assert fragment in err
