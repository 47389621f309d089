def lenet():
    return None
