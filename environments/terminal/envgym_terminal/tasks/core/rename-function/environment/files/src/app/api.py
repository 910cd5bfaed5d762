from app.users import get_user


def handler(req):
    # get_user is cheap
    return get_user(req['id'])
