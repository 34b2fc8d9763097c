"""Duration histograms with logarithmic buckets: percentiles within about 10 % from a short list.

Bucket i holds durations in [BASE**i, BASE**(i+1)) milliseconds (bucket 0 also everything
below 1 ms); 200 buckets of 2**(1/4) reach far beyond a year.
"""

from __future__ import annotations

import math

BASE = 2**0.25
BUCKETS = 200


def bucket_of(milliseconds: float) -> int:
    if milliseconds < 1:
        return 0
    return min(BUCKETS - 1, int(math.log(milliseconds, BASE)))


def add(histogram: list[int], milliseconds: float) -> list[int]:
    index = bucket_of(milliseconds)
    if len(histogram) <= index:
        histogram = histogram + [0] * (index + 1 - len(histogram))
    histogram[index] += 1
    return histogram


def merge(left: list[int], right: list[int]) -> list[int]:
    size = max(len(left), len(right))
    return [(left[i] if i < len(left) else 0) + (right[i] if i < len(right) else 0) for i in range(size)]


def percentile(histogram: list[int], fraction: float) -> float | None:
    """The duration (ms, the bucket's geometric middle) below which `fraction` of the visits fall."""
    total = sum(histogram)
    if not total:
        return None
    rank = fraction * total
    running = 0
    for index, count in enumerate(histogram):
        running += count
        if running >= rank and count:
            return 0.0 if index == 0 else BASE ** (index + 0.5)
    return BASE ** (len(histogram) - 0.5)
