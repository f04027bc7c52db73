#!/usr/bin/python3
"""Reference values for the float64 elementwise kernel tests, computed with mpmath at 160 bits.

Run:  /usr/bin/python3 tests/Nabla.Kernels.Tests/Reference/make_reference.py
Writes <function>_float64.txt next to this script. Each line is "x hi lo": the argument, the correctly rounded
value of f(x) and the double nearest to f(x) − hi, all in Python's repr (round-trip exact), so a test measures its
error in ulps to about 2⁻⁵⁰ ulp. Deterministic: the arguments come from random.Random(name).
"""
import os
import random

import mpmath

mpmath.mp.prec = 160
HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, f, xs):
    with open(os.path.join(HERE, f"{name}_float64.txt"), "w") as out:
        for x in xs:
            v = f(mpmath.mpf(x))
            hi = float(v)
            lo = float(v - mpmath.mpf(hi))
            out.write(f"{x!r} {hi!r} {lo!r}\n")


def tanh_arguments():
    rng = random.Random("tanh")
    xs = [5e-324, 1e-320, 2.2250738585072014e-308, 1e-300, 1e-200, 1e-100, 1e-20, 2.0 ** -27, 2.0 ** -26]
    xs += [10 ** rng.uniform(-12, -3) for _ in range(100)]
    xs += [rng.uniform(0, 0.2) for _ in range(250)]
    xs += [rng.uniform(0.17, 0.18) for _ in range(50)]  # where the reduction's k turns from 0 to 1
    xs += [rng.uniform(0.2, 1) for _ in range(250)]
    xs += [rng.uniform(1, 5) for _ in range(200)]
    xs += [rng.uniform(5, 9.4) for _ in range(60)]
    xs += [rng.uniform(9.4, 9.6) for _ in range(40)]  # where the large-argument form takes over
    xs += [rng.uniform(9.6, 21) for _ in range(100)]
    xs += [-rng.uniform(0, 5) for _ in range(100)]
    return xs


def exp_arguments():
    rng = random.Random("exp")
    xs = [5e-324, -5e-324, 1e-300, -1e-300, 1e-20, -1e-20, 2.0 ** -53, -(2.0 ** -54), 709.78, 709.782712893384, -708.3964185322641]
    xs += [rng.choice((-1, 1)) * 10 ** rng.uniform(-18, -3) for _ in range(100)]
    xs += [rng.uniform(-1, 1) for _ in range(200)]
    xs += [rng.uniform(-0.35, 0.35) for _ in range(100)]  # where the reduction's k is 0
    xs += [rng.uniform(-30, 30) for _ in range(200)]
    xs += [rng.uniform(-708, 709.78) for _ in range(200)]
    xs += [rng.uniform(700, 709.78) for _ in range(50)]  # near overflow
    xs += [rng.uniform(-745.13, -700) for _ in range(100)]  # subnormal results and the library path
    return xs


def trigonometric_arguments(name):
    rng = random.Random(name)
    xs = [5e-324, 1e-300, 1e-20, 2.0 ** -27, 1e-8, 1e6, 1e22, 1e300, 1.7976931348623157e308, 1073741823.0, 1073741825.0]
    xs += [10 ** rng.uniform(-12, 0) for _ in range(100)]
    xs += [rng.uniform(0, 0.7853981633974483) for _ in range(150)]
    xs += [rng.uniform(0, 10) for _ in range(200)]
    xs += [rng.uniform(10, 1e5) for _ in range(150)]
    xs += [10 ** rng.uniform(5, 9) for _ in range(100)]
    # the doubles nearest to multiples of π/2, where the reduced argument is smallest
    for _ in range(200):
        k = int(10 ** rng.uniform(0, 8.8))
        xs.append(float(k * mpmath.pi / 2))
    xs += [10 ** rng.uniform(9.1, 300) for _ in range(50)]  # the library path
    return [x if rng.random() < 0.7 else -x for x in xs]


def signed(rng, xs):
    return [x if rng.random() < 0.6 else -x for x in xs]


def math_arguments(name):
    """Arguments for the scalar-library functions: tiny, moderate and large magnitudes inside each domain."""
    rng = random.Random(name)
    tiny = [5e-324, 1e-300, 1e-20, 2.0 ** -27] + [10 ** rng.uniform(-12, -3) for _ in range(60)]
    if name in ("asin", "acos", "atanh"):
        xs = tiny + [rng.uniform(0, 1) for _ in range(200)] + [1 - 10 ** rng.uniform(-12, -1) for _ in range(40)]
        return signed(rng, xs)
    if name == "acosh":
        return [1.0] + [1 + 10 ** rng.uniform(-12, 0) for _ in range(100)] + [rng.uniform(1, 10) for _ in range(100)] \
            + [10 ** rng.uniform(1, 300) for _ in range(60)]
    if name in ("log2", "log10"):
        xs = [5e-324, 1e-300, 0.5, 1.0, 2.0, 8.0, 1024.0, 10.0, 1000.0, 1e22, 1.7976931348623157e308]
        xs += [rng.uniform(0.5, 2) for _ in range(150)] + [10 ** rng.uniform(-300, 300) for _ in range(150)]
        return xs
    if name == "exp2":
        xs = tiny + [rng.uniform(-1, 1) for _ in range(150)] + [rng.uniform(-1074, 1023.9) for _ in range(100)]
        return signed(rng, xs[:-100]) + xs[-100:]
    if name == "expm1":
        xs = tiny + [rng.uniform(0, 0.5) for _ in range(150)] + [rng.uniform(0.5, 5) for _ in range(60)]
        xs += [rng.uniform(5, 700) for _ in range(40)]
        return signed(rng, xs)
    if name == "tan":
        xs = tiny + [rng.uniform(0, 1.5) for _ in range(150)] + [rng.uniform(1.5, 100) for _ in range(100)]
        xs += [float(k * mpmath.pi / 2) for k in (1, 3, 5, 101)]
        return signed(rng, xs)
    if name in ("sinh", "cosh"):
        xs = tiny + [rng.uniform(0, 1) for _ in range(150)] + [rng.uniform(1, 20) for _ in range(60)] + [rng.uniform(20, 709.7) for _ in range(40)]
        return signed(rng, xs)
    xs = tiny + [rng.uniform(0, 2) for _ in range(150)] + [10 ** rng.uniform(0, 300) for _ in range(100)]
    return signed(rng, xs)


MATH_FUNCTIONS = {"tan": mpmath.tan, "asin": mpmath.asin, "acos": mpmath.acos, "atan": mpmath.atan,
                  "sinh": mpmath.sinh, "cosh": mpmath.cosh, "asinh": mpmath.asinh, "acosh": mpmath.acosh,
                  "atanh": mpmath.atanh, "log2": lambda x: mpmath.log(x, 2), "log10": mpmath.log10,
                  "exp2": lambda x: mpmath.power(2, x), "expm1": mpmath.expm1}


if __name__ == "__main__":
    write("tanh", mpmath.tanh, tanh_arguments())
    write("exp", mpmath.exp, exp_arguments())
    write("sin", mpmath.sin, trigonometric_arguments("sin"))
    write("cos", mpmath.cos, trigonometric_arguments("cos"))
    for name, f in MATH_FUNCTIONS.items():
        write(name, f, math_arguments(name))
