def get_user(x):
    return x  # third-party code: leave as is
