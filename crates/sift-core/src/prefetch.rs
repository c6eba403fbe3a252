//! A cache prefetch hint, for lookups whose misses should overlap: a caller
//! computes where its next reads go, prefetches them all, then reads them.

/// Ask the CPU to load the cache line of `x` (a hint: it changes nothing;
/// on other architectures, nothing).
#[inline(always)]
#[allow(unsafe_code)]
pub fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch never faults and has no effect on memory; the
        // pointer is to a live value anyway.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}
