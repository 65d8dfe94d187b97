def dtuple_unpack_dx_z(x, z, btuple_unpack=1.0):
    a = x * 2
    b = z + 1
    a_1 = b
    b_1 = a
    t0 = a_1 * b_1
    t1 = a_1 / b_1
    tuple_unpack = t0 - t1
    bt1 = -btuple_unpack
    ba_1 = bt1 / b_1 + btuple_unpack * b_1
    bb_1 = -bt1 * t1 / b_1 + btuple_unpack * a_1
    bx = bb_1 * 2
    return tuple_unpack, (bx, ba_1)
