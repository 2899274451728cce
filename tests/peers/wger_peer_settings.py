"""Django settings of the wger 2.1 test peer: wger's own, plus SQLite and loopback only.

start-wger.sh sets the WGER_PEER_* variables: the run folder (database, media), the
folder shared by every run of one virtual environment (secret key) and the port.
"""

import os
from pathlib import Path

from wger.settings_global import *  # noqa: F403 (wger's settings are the base)

RUN = Path(os.environ["WGER_PEER_RUN"])
DATA = Path(os.environ["WGER_PEER_DATA"])
PORT = os.environ["WGER_PEER_PORT"]

DEBUG = True
SECRET_KEY = (DATA / "secret_key").read_text().strip()
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("WGER_DB", str(RUN / "database.sqlite")),
    }
}
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
TIME_ZONE = "UTC"
SITE_URL = f"http://127.0.0.1:{PORT}"
MEDIA_ROOT = str(RUN / "media")
MEDIA_URL = "/media/"
# No captcha and no mail leave the machine.
RECAPTCHA_PUBLIC_KEY = ""
RECAPTCHA_PRIVATE_KEY = ""
NOCAPTCHA = True
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
WGER_SETTINGS["EMAIL_FROM"] = "wger <wger@example.com>"  # noqa: F405
DEFAULT_FROM_EMAIL = WGER_SETTINGS["EMAIL_FROM"]  # noqa: F405
EMAIL_PAGE_DOMAIN = SITE_URL
# Stock wger allows 3 logins a minute on /api/v2/login/; tests log in more often.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {  # noqa: F405
    "login": os.environ.get("WGER_LOGIN_THROTTLE", "1000/min")
}
