"""The interface language of the current request, as the portal's own code."""

from flask_babel import get_locale


def ui_locale() -> str:
    """ "zh_CN" or "en". Babel normalises zh_CN to zh_Hans_CN; templates and data use ours."""
    return "zh_CN" if getattr(get_locale(), "language", "en") == "zh" else "en"
