def get_user(uid):
    return {'id': uid}


def get_users(ids):
    return [get_user(i) for i in ids]
