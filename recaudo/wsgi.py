import os

from django.core.wsgi import get_wsgi_application

from recaudo.checks import refuse_unsafe_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recaudo.settings")
application = get_wsgi_application()
# With DEBUG off, a secret left at its public sandbox value stops any WSGI server
# (and runserver, which loads this module) before it serves a request.
refuse_unsafe_start()
