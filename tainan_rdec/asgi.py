"""
ASGI config for tainan_rdec project.

It exposes the ASGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/asgi/
"""

import os

from django.core.asgi import get_asgi_application

from tainan_rdec import serving

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tainan_rdec.settings")

application = get_asgi_application()

serving.settle()
