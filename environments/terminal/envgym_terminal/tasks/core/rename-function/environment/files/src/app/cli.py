import app.users as u

print(u.get_user(1), u.get_users([2]))
