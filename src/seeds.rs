//! Named seed streams. Every random step of an audit derives its seed from the user's `--seed`
//! and the stream it belongs to, so two steps never share random numbers by accident and a
//! stream's salt is written once. The values are the salts leakhound has always used: reports
//! stay byte-identical.

/// The seed of the shallow tree that describes a near-perfect predictor: fixed, so the
/// evidence reads the same whatever `--seed` is.
pub(crate) const EVIDENCE_TREE: u64 = 7;

/// A random step of the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    /// The seeded sample of leakhound's own 80/20 split on large files.
    OwnSplitSample,
    /// Which rows go to the test side of leakhound's own split.
    OwnSplit,
    /// The rows of the peeling refits.
    PeelRows,
    /// The peeling refits' surrogate.
    PeelModel,
    /// The training rows of the drop-column refits.
    DropColumnTrain,
    /// The held-out rows of permutation importance.
    PermutationRows,
    /// Adversarial validation (train vs test) folds and model.
    Adversarial,
    /// The sample of test rows the shift checks score.
    TestSample,
    /// Validation schemes compared on the training data (random, group, time-ordered).
    Validation,
    /// The rows the oversampling check examines.
    Oversampling,
    /// The seeded sample an engine over unloaded rows (DataFusion, Spark) draws for the models.
    #[cfg_attr(not(feature = "datafusion"), allow(dead_code))]
    EngineSample,
}

impl Stream {
    /// The seed of this stream for the audit seed `seed`.
    pub(crate) fn seed(self, seed: u64) -> u64 {
        seed ^ self.salt()
    }

    /// The seed of the `i`-th member of an indexed stream (the validation schemes).
    pub(crate) fn nth(self, seed: u64, i: usize) -> u64 {
        seed ^ (self.salt() + i as u64)
    }

    fn salt(self) -> u64 {
        match self {
            Stream::OwnSplitSample => 0x5A11,
            Stream::OwnSplit => 0x5B17,
            Stream::PeelRows => 0x9EE1,
            Stream::PeelModel => 0x5EE1,
            Stream::DropColumnTrain => 0xD0,
            Stream::PermutationRows => 0xD1,
            Stream::Adversarial => 0xAD,
            Stream::TestSample => 1,
            Stream::Validation => 11,
            Stream::Oversampling => 0x05A0,
            Stream::EngineSample => 0xE5A3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ() {
        let all = [
            Stream::OwnSplitSample,
            Stream::OwnSplit,
            Stream::PeelRows,
            Stream::PeelModel,
            Stream::DropColumnTrain,
            Stream::PermutationRows,
            Stream::Adversarial,
            Stream::TestSample,
            Stream::Validation,
            Stream::Oversampling,
            Stream::EngineSample,
        ];
        let mut seeds: Vec<u64> = all.iter().map(|s| s.seed(42)).collect();
        seeds.sort_unstable();
        seeds.dedup();
        assert_eq!(seeds.len(), all.len());
    }
}
