//! `aikpi seed`: realistic generated data for trying the tool and for benchmarks.
