def dpolynomial_named_dx(x, by=1.0):
    t0 = x ** 2
    t1 = 3 * x
    t2 = t0 + t1
    y = t2 + 1
    bx = by * 3 + by * 2 * x
    return y, bx
