//! Randomness from the kernel (`getrandom(2)`) for every secret and
//! unguessable name Handoff makes: a session's publish token, a share's
//! object key, a share's encryption key, temp names. When the kernel gives
//! none, the caller refuses with [`NoRandomness`]; nothing falls back to
//! the clock or the pid, which anyone on the machine can guess.

use rustix::io::Errno;
use rustix::rand::{GetRandomFlags, getrandom};

/// The system's random source failed: nothing secret can be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the system's random source failed ({0}); Handoff makes no token, link or key without it (check that the kernel's getrandom is not blocked, e.g. by a seccomp or sandbox profile)"
)]
pub struct NoRandomness(Errno);

/// `N` bytes from the kernel's random source.
pub fn bytes<const N: usize>() -> Result<[u8; N], NoRandomness> {
    let mut out = [0_u8; N];
    let mut filled = 0;
    while filled < N {
        match getrandom(&mut out[filled..], GetRandomFlags::empty()) {
            Ok(n) => filled += n,
            Err(Errno::INTR) => {}
            Err(e) => return Err(NoRandomness(e)),
        }
    }
    Ok(out)
}

/// Whether the kernel gives randomness now: asked before work is handed to
/// a library that draws its own and panics without it.
pub fn check() -> Result<(), NoRandomness> {
    bytes::<16>().map(drop)
}

/// `N` random bytes, as lowercase hex (`2 N` characters).
pub fn hex<const N: usize>() -> Result<String, NoRandomness> {
    Ok(crate::words::hex(&bytes::<N>()?))
}

impl From<NoRandomness> for std::io::Error {
    fn from(e: NoRandomness) -> Self {
        Self::other(e)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_call_gives_other_bytes() {
        let (a, b) = (super::hex::<16>().unwrap(), super::hex::<16>().unwrap());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
