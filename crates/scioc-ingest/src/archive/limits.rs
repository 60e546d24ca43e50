//! Limits that keep a hostile archive from exhausting the machine.

use super::{ArchiveError, ArchiveErrorKind};

/// Bounds on what reading one archive may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most entries (files, directories, links) in the archive, nested archives included.
    pub max_entries: u64,
    /// Most bytes all files may expand to.
    pub max_expanded: u64,
    /// Highest ratio of expanded bytes to the archive's size, checked once the expansion
    /// passes [`Limits::ratio_floor`] (small archives of text compress well legitimately).
    pub max_ratio: u64,
    /// Expanded size below which the ratio is not checked.
    pub ratio_floor: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_entries: 100_000, max_expanded: 1024 * 1024 * 1024, max_ratio: 100, ratio_floor: 16 * 1024 * 1024 }
    }
}

fn bomb(message: String) -> ArchiveError {
    ArchiveError::new(ArchiveErrorKind::Bomb, message)
}

/// Running totals checked against [`Limits`].
#[derive(Debug)]
pub(crate) struct Budget {
    limits: Limits,
    compressed: u64,
    entries: u64,
    expanded: u64,
}

impl Budget {
    pub(crate) fn new(limits: Limits, compressed: u64) -> Self {
        Budget { limits, compressed: compressed.max(1), entries: 0, expanded: 0 }
    }

    /// Counts one entry.
    pub(crate) fn entry(&mut self) -> Result<(), ArchiveError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(bomb(format!("more than {} entries: refused as an archive bomb", self.limits.max_entries)));
        }
        Ok(())
    }

    /// Counts `n` expanded bytes.
    pub(crate) fn expand(&mut self, n: u64) -> Result<(), ArchiveError> {
        self.expanded += n;
        if self.expanded > self.limits.max_expanded {
            return Err(bomb(format!("expands past {} bytes: refused as an archive bomb", self.limits.max_expanded)));
        }
        if self.expanded > self.limits.ratio_floor && self.expanded / self.compressed > self.limits.max_ratio {
            return Err(bomb(format!(
                "expands more than {}× its size of {} bytes: refused as an archive bomb",
                self.limits.max_ratio, self.compressed
            )));
        }
        Ok(())
    }
}
