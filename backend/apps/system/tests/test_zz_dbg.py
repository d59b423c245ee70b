def test_x(demo, settings):
    from apps.accounts.models import User
    u = User.objects.get(username="city_leader")
    print("HASH", u.password[:30], u.check_password("Demo@2026"), u.is_active, settings.PASSWORD_HASHERS)
    from django.contrib.auth import authenticate
    print("AUTH", authenticate(None, username="city_leader", password="Demo@2026"), authenticate(None, username="admin", password="Demo@2026"))
