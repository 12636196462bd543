"""Compiled (numba) inner loops of the windowed kernel; imported only on first use.

:mod:`concordlab.compute.kernel` imports this module lazily (never at ``import concordlab``)
and falls back to its numpy strategies when numba is missing (e.g. Pyodide) or switched
off. Each function here computes exactly the sums its numpy counterpart in the kernel
computes, about the same references, so the two paths agree to rounding.

The loops use fused multiply-add; the block sums also let plain sums be reassociated
(vectorised), as numpy's pairwise sums are; sliding sums keep their order.
``cache=True`` stores the machine code next to this file (or in numba's user cache
directory when the package directory is read-only), so only the first process compiles.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    import numba
except ImportError:  # e.g. Pyodide: the kernel uses its numpy strategies instead
    numba = None

__all__ = [
    "AVAILABLE",
    "any_missing",
    "block_moments",
    "block_sums",
    "dtw_windows",
    "pearson",
    "scale",
    "sliding_sums",
    "span_sums",
]

AVAILABLE = numba is not None
"""Whether numba could be imported (else this module's functions are not compiled)."""

_FAR = 1e4  # squared distance of a reference from the window's mean, in its variances


def _jit(**options: Any) -> Any:
    """``numba.njit(**options)``; without numba the function stays plain Python (unused)."""
    return numba.njit(**options) if numba is not None else (lambda function: function)


_OPTIONS = {"cache": True, "nogil": True, "fastmath": {"contract"}}
# Plain sums may be reassociated (vectorised, like numpy's pairwise sums): their order
# then depends on the vector width, their accuracy does not.
_VECTOR = {"cache": True, "nogil": True, "fastmath": {"contract", "reassoc"}}


@_jit(**_VECTOR)
def scale(values: np.ndarray) -> float:  # pragma: no cover (compiled)
    """Mean square about the mean of the non-NaN values (0.0 when there are none)."""
    total = 0.0
    count = 0.0
    for v in values:
        present = v == v
        total += v if present else 0.0
        count += 1.0 if present else 0.0
    if count == 0:
        return 0.0
    mean = total / count
    square = 0.0
    for v in values:
        d = v - mean if v == v else 0.0
        square += d * d
    return square / count


@_jit(**_VECTOR)
def _zero_nan(value: float) -> float:  # pragma: no cover (compiled)
    """NaN as 0.0 (numpy's ``nan_to_num`` of the blocks, without a copy)."""
    return value if value == value else 0.0


@_jit(**_VECTOR)
def _total(values: np.ndarray, start: int, stop: int) -> float:  # pragma: no cover (compiled)
    """Sum of ``values[start:stop]``, NaN counted as 0."""
    # Loops run over slices: indices from 0 cannot be negative, so numba checks no
    # wrap-around and the loops vectorise (4-5x faster than indexing from ``start``).
    part = values[start:stop]
    total = 0.0
    for t in range(part.size):
        total += _zero_nan(part[t])
    return total


@_jit(**_OPTIONS)
def complete_windows(
    x: np.ndarray, y: np.ndarray, starts: np.ndarray, span: int
) -> np.ndarray:  # pragma: no cover (compiled)
    """Whether ``x`` and ``y`` have no NaN in ``[s, s + span)`` for each (sorted) start;
    a sliding count of the missing samples, O(samples)."""
    n = x.size
    out = np.zeros(starts.size, dtype=np.bool_)
    missing = 0
    lo = 0
    hi = 0
    for i in range(starts.size):
        s = min(max(starts[i], 0), n)
        e = min(max(starts[i] + span, 0), n)
        if s >= hi:
            lo = hi = s
            missing = 0
        while hi < e:
            if np.isnan(x[hi]) or np.isnan(y[hi]):
                missing += 1
            hi += 1
        while lo < s:
            if np.isnan(x[lo]) or np.isnan(y[lo]):
                missing -= 1
            lo += 1
        out[i] = missing == 0
    return out


@_jit(**_VECTOR)
def _cross_contiguous(
    fc: np.ndarray, mc: np.ndarray, block: int, shifts: int, acc: np.ndarray
) -> None:  # pragma: no cover (compiled)
    """``acc[k] = sum_t fc[t] mc[t+k]`` for k < shifts (``acc`` zeroed by the caller).

    Four samples per pass over the shifts (vectorised across shifts): a quarter of the
    loads and stores of ``acc``.
    """
    quads = block - block % 4
    for t in range(0, quads, 4):
        v0 = fc[t]
        v1 = fc[t + 1]
        v2 = fc[t + 2]
        v3 = fc[t + 3]
        for k in range(shifts):
            acc[k] += v0 * mc[t + k] + v1 * mc[t + 1 + k] + v2 * mc[t + 2 + k] + v3 * mc[t + 3 + k]
    for t in range(quads, block):
        v = fc[t]
        for k in range(shifts):
            acc[k] += v * mc[t + k]


@_jit(**_VECTOR)
def _cross_strided(
    fc: np.ndarray, mc: np.ndarray, block: int, shifts: int, lag_stride: int, acc: np.ndarray
) -> None:  # pragma: no cover (compiled)
    """As :func:`_cross_contiguous` for the shifts ``k * lag_stride``."""
    for t in range(block):
        v = fc[t]
        for k in range(shifts):
            acc[k] += v * mc[t + k * lag_stride]


@_jit(**_VECTOR)
def _centred_total(
    values: np.ndarray, ref: float, start: int, stop: int
) -> tuple:  # pragma: no cover (compiled)
    """Sums of ``values[t] - ref`` and of their squares over ``[start, stop)``, NaN as 0."""
    part = values[start:stop]
    s1 = 0.0
    s2 = 0.0
    for t in range(part.size):
        d = _zero_nan(part[t]) - ref
        s1 += d
        s2 += d * d
    return s1, s2


@_jit(**_OPTIONS)
def span_sums(
    values: np.ndarray,
    ref: float,
    lo: int,
    length: int,
    count: int,
    out1: np.ndarray,
    out2: np.ndarray,
) -> None:  # pragma: no cover (compiled)
    """For ``i < count``: ``out1[i]`` and ``out2[i]``, the sums of ``values[t] - ref`` and
    of their squares over ``t`` in ``[lo + i, lo + i + length)`` (NaN as 0).

    Every sum holds its own terms only: the starts are cut into chunks of ``length``;
    a sum is a suffix of its chunk plus a prefix of the next, each summed outwards from
    the chunk's end. No running sum subtracts a value that left it, so a spike or a
    step next to a window costs that window no accuracy (sliding sums would keep the
    spike's rounding). O(count + length) per call.
    """
    part = values[lo : lo + count + length - 1]  # indices from 0: see _total
    i = 0
    while i < count:
        end = i + length  # the chunk [i, end) holds the starts i .. stop - 1
        stop = min(count, end)
        n = stop - i
        # Suffixes [p, end): the part every start shares by one vector sum, then two
        # running sums at once (the upper starts from that part, the lower from zero and
        # then the upper's last), so the adds' latency is hidden.
        s1, s2 = _centred_total(part, ref, stop, end)
        half = n // 2
        mid = i + half
        a1 = 0.0
        a2 = 0.0
        for u in range(n - half):
            t = stop - 1 - u
            d = _zero_nan(part[t]) - ref
            s1 += d
            s2 += d * d
            out1[t] = s1
            out2[t] = s2
            if u < half:
                t = mid - 1 - u
                d = _zero_nan(part[t]) - ref
                a1 += d
                a2 += d * d
                out1[t] = a1
                out2[t] = a2
        for t in range(i, mid):
            out1[t] += s1
            out2[t] += s2
        # Prefixes [end, end + L) for the starts i + L, L = 1 .. n - 1: again two
        # running sums, the upper one then shifted by the lower one's total.
        h = (n - 1) // 2
        p1 = 0.0
        p2 = 0.0
        q1 = 0.0
        q2 = 0.0
        for u in range(n - 1 - h):
            length_q = h + 1 + u
            d = _zero_nan(part[end + length_q - 1]) - ref
            q1 += d
            q2 += d * d
            out1[i + length_q] += q1
            out2[i + length_q] += q2
            if u < h:
                d = _zero_nan(part[end + u]) - ref
                p1 += d
                p2 += d * d
                out1[i + 1 + u] += p1
                out2[i + 1 + u] += p2
        for t in range(i + h + 1, stop):
            out1[t] += p1
            out2[t] += p2
        i = stop


@_jit(**_VECTOR)
def block_sums(
    fixed: np.ndarray,
    moving: np.ndarray,
    block: int,
    n_blocks: int,
    max_shift: int,
    lag_stride: int,
) -> tuple:  # pragma: no cover (compiled)
    """The per-block sums :func:`block_moments` adds up, one direction.

    Block ``j`` is ``fixed[j*block : (j+1)*block]`` about its mean ``r[j]``, against
    ``moving[j*block : j*block + block + max_shift]`` about that span's mean ``q[j]``;
    for every shift ``k`` in ``0, lag_stride, ..., max_shift`` (column ``k // lag_stride``):
    sums of the moving values over the block shifted by ``k`` (``m1``, by
    :func:`span_sums`: each of its own terms only) and of the products (``fm``). The
    products are direct sums (the FFT's arithmetic is no cheaper for a few hundred
    shifts, and direct sums are exact up to the rounding of each term). The moving
    values' squares are not needed per block: :func:`block_moments` sums them per window,
    except at lag 0 alone (``max_shift == 0``), where the block's own sums of squares
    (``m2``, else empty) come from the same single pass as every other sum.
    """
    shifts = max_shift // lag_stride + 1
    span = block + max_shift
    r = np.empty(n_blocks)
    q = np.empty(n_blocks)
    f = np.empty(n_blocks)
    ff = np.empty(n_blocks)
    m1 = np.empty((n_blocks, shifts))
    fm = np.empty((n_blocks, shifts))
    fc = np.empty(block)
    mc = np.empty(span)
    acc = np.empty(shifts)
    one = np.empty(max_shift + 1)
    two = np.empty(max_shift + 1)
    scale_f = 0.0
    scale_m = 0.0
    m2 = np.empty((n_blocks if max_shift == 0 else 0, 1))
    for j in range(n_blocks):
        s = j * block
        mean = _total(fixed, s, s + block) / block
        r[j] = mean
        part = fixed[s : s + block]  # indices from 0: see _total
        lagged = moving[s : s + span]
        if max_shift == 0:  # lag 0 alone: one pass over the block for every sum
            other = _total(moving, s, s + block) / block
            q[j] = other
            s1 = s2 = a1 = a2 = cross = 0.0
            for t in range(block):
                v = _zero_nan(part[t]) - mean
                w = _zero_nan(lagged[t]) - other
                s1 += v
                s2 += v * v
                a1 += w
                a2 += w * w
                cross += v * w
            f[j] = s1
            ff[j] = s2
            m1[j, 0] = a1
            m2[j, 0] = a2
            fm[j, 0] = cross
            scale_f += s2
            scale_m += a2
            continue
        s1 = 0.0
        s2 = 0.0
        for t in range(block):
            v = _zero_nan(part[t]) - mean
            fc[t] = v
            s1 += v
            s2 += v * v
        f[j] = s1
        ff[j] = s2
        scale_f += s2
        mean = _total(moving, s, s + span) / span
        q[j] = mean
        a2 = 0.0
        for t in range(span):
            v = _zero_nan(lagged[t]) - mean
            mc[t] = v
            a2 += v * v
        scale_m += a2
        span_sums(mc, 0.0, 0, block, max_shift + 1, one, two)
        for k in range(shifts):
            m1[j, k] = one[k * lag_stride]
            acc[k] = 0.0
        if lag_stride == 1:  # contiguous shifts: vector loads
            _cross_contiguous(fc, mc, block, shifts, acc)
        else:
            _cross_strided(fc, mc, block, shifts, lag_stride, acc)
        for k in range(shifts):
            fm[j, k] = acc[k]
    blocks = max(n_blocks, 1)
    return (r, q, f, ff, m1, fm, scale_f / (blocks * block), scale_m / (blocks * span), m2)


@_jit(**_OPTIONS)
def _window_from_scratch(
    a: np.ndarray, b: np.ndarray, s: int, e: int
) -> tuple:  # pragma: no cover (compiled)
    """References (means of the present pairs) and sums about them over pairs [s, e)."""
    n = 0
    ta = 0.0
    tb = 0.0
    for u in range(s, e):
        va = a[u]
        vb = b[u]
        if not (np.isnan(va) or np.isnan(vb)):
            n += 1
            ta += va
            tb += vb
    ra = ta / n if n > 0 else 0.0
    rb = tb / n if n > 0 else 0.0
    sa = sb = saa = sbb = sab = 0.0
    for u in range(s, e):
        va = a[u]
        vb = b[u]
        if not (np.isnan(va) or np.isnan(vb)):
            da = va - ra
            db = vb - rb
            sa += da
            sb += db
            saa += da * da
            sbb += db * db
            sab += da * db
    return ra, rb, float(n), sa, sb, saa, sbb, sab


@_jit(**_OPTIONS)
def sliding_sums(
    x: np.ndarray, y: np.ndarray, window: int, lags: np.ndarray, starts: np.ndarray
) -> np.ndarray:  # pragma: no cover (compiled)
    """Per lag and window, the sums of the present pairs about local references.

    Returns ``out`` of shape ``(8, windows, lags)``: count, sums of x, y, x², y², xy about
    the references ``out[6]`` (x) and ``out[7]`` (y). Pair ``u`` of lag ``L`` holds
    ``x[u + max(0, -L)]`` and ``y[u + max(0, L)]``; window ``s`` covers pairs
    ``[s, s + window)`` cut to the pairs that exist.

    Each window's sums are slid from the previous window's (remove the pairs that left,
    add those that came) about references fixed when the sums were last computed from
    scratch, around the means of that window; they are computed from scratch again
    once the windows have moved a whole window since, or when the next window does not
    overlap, or when the references have come to lie more than 100 standard deviations
    from the window's means (a step in the data). So no running sum spans more than about
    two windows, and a spike, a step or an offset costs no more accuracy than within its
    own windows.
    """
    n = x.size
    n_windows = starts.size
    out = np.empty((8, n_windows, lags.size))
    for column in range(lags.size):
        lag = lags[column]
        length = n - abs(lag)
        if length <= 0:
            for i in range(n_windows):
                out[0, i, column] = 0.0
                for k in range(1, 6):
                    out[k, i, column] = np.nan
                out[6, i, column] = 0.0
                out[7, i, column] = 0.0
            continue
        a = x[max(0, -lag) : max(0, -lag) + length]
        b = y[max(0, lag) : max(0, lag) + length]
        have = False
        restart = 0
        cs = 0
        ce = 0
        ra = rb = cnt = sa = sb = saa = sbb = sab = 0.0
        for i in range(n_windows):
            s = min(max(starts[i], 0), length)
            e = min(max(starts[i] + window, 0), length)
            if (not have) or s < cs or s >= ce or e < ce or s - restart >= window:
                ra, rb, cnt, sa, sb, saa, sbb, sab = _window_from_scratch(a, b, s, e)
                have = cnt > 0  # no pairs, no reference: start again at the next window
                restart = s
            else:
                for u in range(cs, s):
                    va = a[u]
                    vb = b[u]
                    if not (np.isnan(va) or np.isnan(vb)):
                        da = va - ra
                        db = vb - rb
                        cnt -= 1.0
                        sa -= da
                        sb -= db
                        saa -= da * da
                        sbb -= db * db
                        sab -= da * db
                for u in range(ce, e):
                    va = a[u]
                    vb = b[u]
                    if not (np.isnan(va) or np.isnan(vb)):
                        da = va - ra
                        db = vb - rb
                        cnt += 1.0
                        sa += da
                        sb += db
                        saa += da * da
                        sbb += db * db
                        sab += da * db
                # The data jumped (a step, a spike leaving): the references are more
                # than 100 standard deviations from this window's means, so sums about
                # them would lose accuracy; sum this window from scratch instead.
                if cnt > 1 and (
                    sa * sa > _FAR * (cnt * saa - sa * sa) or sb * sb > _FAR * (cnt * sbb - sb * sb)
                ):
                    ra, rb, cnt, sa, sb, saa, sbb, sab = _window_from_scratch(a, b, s, e)
                    restart = s
            cs = s
            ce = e
            out[0, i, column] = cnt
            out[1, i, column] = sa
            out[2, i, column] = sb
            out[3, i, column] = saa
            out[4, i, column] = sbb
            out[5, i, column] = sab
            out[6, i, column] = ra
            out[7, i, column] = rb
    return out


@_jit(**_OPTIONS)
def block_moments(
    x: np.ndarray,
    y: np.ndarray,
    window: int,
    block: int,
    first_block: int,
    stride: int,
    n_windows: int,
    lags: np.ndarray,
    max_lag: int,
    lag_stride: int,
) -> tuple:  # pragma: no cover (compiled)
    """:func:`concordlab.compute.kernel._per_block` in one compiled pass (every lag a
    multiple of ``lag_stride``).

    Window ``w`` is blocks ``first_block + w*stride`` onwards (``window // block`` of
    them), about the references of its first block (``r0`` for the fixed series, ``q0``
    for the moving one). The fixed series' sums and the cross products are its blocks'
    sums shifted to those references (the products, ``block x shifts`` per block, are the
    only work that grows with the lags, and each block's serve every window holding it);
    the moving series' sums and squares are summed per window and shift by
    :func:`span_sums`, each of its own terms only. Returns ``out`` of shape
    ``(8, windows, lags)`` (count, x, y, xx, yy, xy, rx, ry, as :func:`sliding_sums`) and
    the scales ``(sx, sy)`` per lag direction.
    """
    n_blocks = first_block + (n_windows - 1) * stride + window // block
    # A direction no lag needs is summed over no block (e.g. lag 0 alone: forward only).
    need_fw = need_bw = 0
    for lag in lags:
        if lag >= 0:
            need_fw = n_blocks
        else:
            need_bw = n_blocks
    fw = block_sums(x, y, block, need_fw, max_lag, lag_stride)
    bw = block_sums(y, x, block, need_bw, max_lag, lag_stride)
    per_window = window // block
    out = np.empty((8, n_windows, lags.size))
    sx = np.empty(lags.size)
    sy = np.empty(lags.size)
    for c in range(lags.size):
        lag = lags[c]
        if lag >= 0:
            sx[c] = fw[6]
            sy[c] = fw[7]
        else:
            sx[c] = bw[7]
            sy[c] = bw[6]
    shifts = max_lag // lag_stride + 1
    sfm = np.empty(shifts)
    one = np.empty(max_lag + 1)
    two = np.empty(max_lag + 1)
    for w in range(n_windows):
        b0 = first_block + w * stride
        for direction in range(2):
            r, q, f, ff, m, fm, _, _, mm = fw if direction == 0 else bw
            if r.size == 0:
                continue
            r0 = r[b0]
            q0 = q[b0]
            sf = sff = 0.0
            for k in range(shifts):
                sfm[k] = 0.0
            for o in range(per_window):
                b = b0 + o
                alpha = r[b] - r0
                beta = q[b] - q0
                a = f[b]
                sf += a + block * alpha
                sff += ff[b] + 2 * alpha * a + block * alpha * alpha
                cross_const = beta * a + block * alpha * beta
                for k in range(shifts):
                    sfm[k] += fm[b, k] + alpha * m[b, k] + cross_const
            if max_lag == 0:  # the blocks' own moving sums, shifted to q0
                one[0] = two[0] = 0.0
                for o in range(per_window):
                    b = b0 + o
                    beta = q[b] - q0
                    e = m[b, 0]
                    one[0] += e + block * beta
                    two[0] += mm[b, 0] + 2 * beta * e + block * beta * beta
            else:
                moving = y if direction == 0 else x
                span_sums(moving, q0, b0 * block, window, max_lag + 1, one, two)
            for c in range(lags.size):
                lag = lags[c]
                if (lag >= 0) != (direction == 0):
                    continue
                shift = lag if lag >= 0 else -lag
                k = shift // lag_stride
                out[0, w, c] = window
                out[5, w, c] = sfm[k]
                if direction == 0:
                    out[1, w, c] = sf
                    out[2, w, c] = one[shift]
                    out[3, w, c] = sff
                    out[4, w, c] = two[shift]
                    out[6, w, c] = r0
                    out[7, w, c] = q0
                else:
                    out[1, w, c] = one[shift]
                    out[2, w, c] = sf
                    out[3, w, c] = two[shift]
                    out[4, w, c] = sff
                    out[6, w, c] = q0
                    out[7, w, c] = r0
    return out, sx, sy


@_jit(**_OPTIONS)
def local_slopes(
    values: np.ndarray, reference: float, half: int, scale: float, out: np.ndarray
) -> None:  # pragma: no cover (compiled)
    """``scale * sum_k k * (values[c + k] - reference)``, k = -half..half, for every centre
    ``c`` with a full window (NaN-free ``values``), into ``out`` (``values.size - 2*half``
    long): the least-squares slope when ``scale`` is ``sampling_rate / sum(k**2)``.

    The sums slide from centre to centre in O(1) (``S1(c+1) = S1(c) - S0(c) +
    (half+1) y[c-half] + half y[c+half+1]``) and are computed from scratch again every
    window, so rounding never accumulates over more than one window.
    """
    window = 2 * half + 1
    s0 = 0.0
    s1 = 0.0
    for i in range(out.size):
        c = i + half
        if i % window == 0:
            s0 = 0.0
            s1 = 0.0
            for k in range(-half, half + 1):
                v = values[c + k] - reference
                s0 += v
                s1 += k * v
        else:
            old = values[c - 1 - half] - reference
            new = values[c + half] - reference
            s1 = s1 - s0 + (half + 1) * old + half * new
            s0 = s0 - old + new
        out[i] = s1 * scale


# No fastmath: the same operations in the same order, so the same rounding, as
# WindowedMoments.pearson's numpy expressions (the two paths agree exactly on the same sums);
# numpy's error model: a division by zero gives inf or NaN (then NaN), as in numpy.
@_jit(cache=True, nogil=True, error_model="numpy")
def pearson(
    count: np.ndarray,
    sum_x: np.ndarray,
    sum_y: np.ndarray,
    sum_xx: np.ndarray,
    sum_yy: np.ndarray,
    sum_xy: np.ndarray,
    scale_x: np.ndarray,
    scale_y: np.ndarray,
    min_count: float,
    constant: float,
    underflow: float,
) -> np.ndarray:  # pragma: no cover (compiled)
    """:meth:`concordlab.compute.kernel.WindowedMoments.pearson` in one pass over the
    cells (2-D sums of one shape; 2-D scales of that shape or of length 1 along either
    axis, broadcast), without its temporaries. Branch-free (selects), so it vectorises."""
    rows, columns = count.shape
    out = np.empty((rows, columns))
    least = max(min_count, 2.0)
    xr_, xc_ = scale_x.shape[0] > 1, scale_x.shape[1] > 1
    yr_, yc_ = scale_y.shape[0] > 1, scale_y.shape[1] > 1
    for i in range(rows):
        sx_row = scale_x[i if xr_ else 0]
        sy_row = scale_y[i if yr_ else 0]
        for j in range(columns):
            c = count[i, j]
            n = c if c > 0 else np.nan
            sx = sum_x[i, j]
            sy = sum_y[i, j]
            cov = n * sum_xy[i, j] - sx * sy
            var_x = n * sum_xx[i, j] - sx * sx
            var_y = n * sum_yy[i, j] - sy * sy
            weight = max(c, 1.0)
            weight = weight * weight
            threshold = weight * constant
            floor = weight * underflow
            invalid = (
                (var_x <= threshold * sx_row[j if xc_ else 0])
                | (var_y <= threshold * sy_row[j if yc_ else 0])
                | (c < least)
                | (var_x < floor)
                | (var_y < floor)
            )
            r = cov / np.sqrt(var_x * var_y)
            invalid |= not np.isfinite(r)  # before clipping, which may not keep a NaN
            out[i, j] = np.nan if invalid else min(max(r, -1.0), 1.0)
    return out


@_jit(**_VECTOR)
def any_missing(x: np.ndarray, y: np.ndarray, start: int, stop: int) -> bool:  # pragma: no cover
    """Whether ``x`` or ``y`` holds a NaN (or an infinity) in ``[start, stop)``."""
    a = x[start:stop]
    b = y[start:stop]
    total = 0.0
    for t in range(a.size):
        total += (a[t] - a[t]) + (b[t] - b[t])
    return total != 0.0


@_jit(**_OPTIONS)
def grid_shape(
    starts: np.ndarray, step: int, block: int, lags: np.ndarray
) -> tuple:  # pragma: no cover (compiled)
    """``(regular, lag_stride)``: whether ``starts`` step by ``step`` from a multiple of
    ``block``, and the largest stride every lag is a multiple of (1 without lags): the
    kernel's ``_regular`` and ``_lag_stride`` in one call of a microsecond."""
    regular = starts.size > 0 and starts[0] % block == 0
    for i in range(1, starts.size):
        if starts[i] - starts[i - 1] != step:
            regular = False
            break
    stride = 0
    for lag in lags:
        a = lag if lag >= 0 else -lag
        b = stride
        while b:
            a, b = b, a % b
        stride = a
    return regular, max(stride, 1)


# No fastmath for DTW: each cell is one product and one addition, rounded as written, as
# dtaidistance's C library computes them, so that equal costs tie the same way.
_EXACT = {"cache": True, "nogil": True}


@_jit(**_EXACT)
def dtw_windows(
    first: np.ndarray,
    second: np.ndarray,
    band: int,
    lengths: np.ndarray,
    positions: np.ndarray,
    trim: int,
    distance: np.ndarray,
    lag: np.ndarray,
) -> None:  # pragma: no cover (compiled)
    """Banded DTW of each row pair, and the mean lag of its warping path, row by row.

    The compiled form of :func:`concordlab.compute.measures.dtw.dtw_windows` (see there for
    the definitions): row ``w`` compares ``first[w, :lengths[w]]`` with
    ``second[w, :lengths[w]]`` within ``|i - j| <= band``; ``distance[w]`` gets the square
    root of the least sum of squared differences along a warping path, ``lag[w]`` the mean
    of ``positions[w, j] - positions[w, i]`` over the path's pairs whose positions both lie
    in ``[trim, n - trim)`` (NaN if none). Each cell's move (0 diagonal, 1 left, 2 up) is
    chosen as dtaidistance's C backtracking chooses (diagonal, then left, then up, on
    ties) and kept in one byte; the path is then read back from the last cell.
    """
    n_rows, n = first.shape
    inf = np.inf
    prev = np.empty(n + 1)
    cur = np.empty(n + 1)
    moves = np.empty((n, 2 * band + 1), dtype=np.uint8)
    for w in range(n_rows):
        m = lengths[w]
        b = min(band, m - 1)
        x = first[w]
        y = second[w]
        pos = positions[w]
        prev[:] = inf
        cur[:] = inf
        prev[0] = 0.0  # the cell before (0, 0)
        for i in range(m):
            lo = max(0, i - b)
            hi = min(m - 1, i + b)
            x_i = x[i]
            row = moves[i]
            column = b - i  # (i, j) is kept at moves[i, j + b - i]
            left = inf  # (i, lo - 1): outside the band or the matrix
            for j in range(lo, hi + 1):
                diagonal = prev[j]
                up = prev[j + 1]
                if diagonal <= left and diagonal <= up:
                    best = diagonal
                    move = 0
                elif left <= up:
                    best = left
                    move = 1
                else:
                    best = up
                    move = 2
                d = x_i - y[j]
                left = d * d + best
                cur[j + 1] = left
                row[j + column] = move
            cur[lo] = inf  # (i, lo - 1), read as "diagonal" by the next row
            if hi + 2 <= m:
                cur[hi + 2] = inf  # (i, hi + 1): read as "up" by the next row
            prev, cur = cur, prev
        distance[w] = np.sqrt(prev[m])
        i = m - 1
        j = m - 1
        total = 0.0
        count = 0.0
        while True:
            p_i = pos[i]
            p_j = pos[j]
            if p_i >= trim and p_i < n - trim and p_j >= trim and p_j < n - trim:
                total += p_j - p_i
                count += 1.0
            if i == 0 and j == 0:
                break
            move = moves[i, j + b - i]
            if move == 0:
                i -= 1
                j -= 1
            elif move == 1:
                j -= 1
            else:
                i -= 1
        lag[w] = total / count if count > 0 else np.nan
