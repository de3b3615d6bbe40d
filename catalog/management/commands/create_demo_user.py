"""`python manage.py create_demo_user`: the account `make run` prints, ready to log in with."""

from django.core.management.base import BaseCommand

from catalog.services import demo_user_ensure
from recsite.env import env_str


class Command(BaseCommand):
    help = "Create (or reset) the demo account and print its credentials."

    def handle(self, *args, **options):
        username = env_str("DEMO_USERNAME", "demo")
        password = env_str("DEMO_PASSWORD", "cinematch-demo")
        demo_user_ensure(username=username, password=password)
        self.stdout.write(f"demo account: username {username!r}, password {password!r}")
