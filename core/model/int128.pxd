# 128-bit integer helpers for exact fixed-point products (C only, GCC/Clang ``__int128``).
#
# Commission, PnL and margin are products of raw (10**9-scaled) int64 values divided by powers
# of ten, rounded half to even. Four raw factors overflow int64 but fit 128 bits, so the common
# case runs in C; every helper reports overflow (returns 0) and the caller then computes the
# same value with Python ints. Results equal `core.model.position.div_round_half_even` exactly.
# Cython sees `i128` as ``long long``: never do arithmetic on it or convert it to a Python
# object in Cython code, only pass it between these helpers.

from libc.stdint cimport int64_t


cdef extern from *:
    """
    #include <stdint.h>
    typedef __int128 flt_i128;

    /* *out = a * b; 0 on overflow. */
    static inline int flt_mul(flt_i128 a, flt_i128 b, flt_i128 *out) {
        return !__builtin_mul_overflow(a, b, out);
    }

    /* *out = a - b; 0 on overflow. */
    static inline int flt_sub(flt_i128 a, flt_i128 b, flt_i128 *out) {
        return !__builtin_sub_overflow(a, b, out);
    }

    /* *out = a + b; 0 on overflow. */
    static inline int flt_add(flt_i128 a, flt_i128 b, flt_i128 *out) {
        return !__builtin_add_overflow(a, b, out);
    }

    /* *out = floor(n / d) (d > 0), as Python's //; 0 if d <= 0 or the result is not an int64. */
    static inline int flt_div_floor(flt_i128 n, flt_i128 d, int64_t *out) {
        flt_i128 q, r;
        if (d <= 0) return 0;
        q = n / d;
        r = n % d;
        if (r < 0) q -= 1;
        if (q > (flt_i128)INT64_MAX || q < (flt_i128)INT64_MIN) return 0;
        *out = (int64_t)q;
        return 1;
    }

    /* *out = n / d rounded half to even (d > 0); 0 if d <= 0 or the result is not an int64. */
    static inline int flt_div_half_even(flt_i128 n, flt_i128 d, int64_t *out) {
        flt_i128 q, r;
        if (d <= 0) return 0;
        q = n / d;
        r = n % d;
        if (r < 0) { r += d; q -= 1; }  /* floor division, as Python's divmod */
        if (r > d - r || (r == d - r && (q & 1))) q += 1;
        if (q > (flt_i128)INT64_MAX || q < (flt_i128)INT64_MIN) return 0;
        *out = (int64_t)q;
        return 1;
    }
    """
    ctypedef long long i128 "flt_i128"
    bint flt_mul(i128 a, i128 b, i128* out) nogil
    bint flt_sub(i128 a, i128 b, i128* out) nogil
    bint flt_add(i128 a, i128 b, i128* out) nogil
    bint flt_div_half_even(i128 n, i128 d, int64_t* out) nogil
    bint flt_div_floor(i128 n, i128 d, int64_t* out) nogil
