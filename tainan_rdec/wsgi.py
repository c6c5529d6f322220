"""
WSGI config for tainan_rdec project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

from tainan_rdec import serving

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")

application = get_wsgi_application()

serving.settle()
